# The station's rules, below its front ends (folio, the console, the clerk UI): approval and
# its checks, the batch moves, what may still change.
lib-y += firmware/core/batch.o
