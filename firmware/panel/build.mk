# The station's panel: buttons to actions, station state to LEDs, the hardware watchdog.
lib-y += firmware/panel/panel.o
