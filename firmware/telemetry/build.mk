# Scanner telemetry: per-device counters beside the store.
lib-y += firmware/telemetry/telemetry.o
