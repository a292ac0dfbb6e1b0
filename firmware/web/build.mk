# The clerk UI: request parsing and JSON (always built: the fuzz target links them) and, with
# CONFIG_WEB, the HTTP server (libmicrohttpd) with the UI's files compiled in.
lib-y += firmware/web/json.o firmware/web/request.o
ifeq ($(CONFIG_WEB),y)
PKGS += libmicrohttpd
lib-y += firmware/web/server.o firmware/web/session.o firmware/web/api.o firmware/web/live.o \
	firmware/web/guard.o firmware/web/assets.o

WEB_STATIC := $(sort $(wildcard firmware/web/static/*))

$(O)/gen/web_assets.S: FORCE
	$(Q)tools/web-assets.sh $@ $(WEB_STATIC)

$(O)/firmware/web/assets.o: $(O)/gen/web_assets.S $(WEB_STATIC)
	$(quiet) AS $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c -o $@ $<
endif

.PHONY: FORCE
FORCE:
