# Host tools: build/bin/<name> from tools/<name>.c.
tools-y += pagegen
PKGS += pangocairo
