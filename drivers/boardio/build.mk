# Board I/O: buttons, LEDs (libgpiod or simulated) and the hardware watchdog.
lib-y += drivers/boardio/boardio.o drivers/boardio/facts.o drivers/boardio/watchdog.o
lib-$(CONFIG_BOARDIO_GPIO) += drivers/boardio/gpio.o
lib-$(CONFIG_BOARDIO_SIM) += drivers/boardio/sim.o
PKGS += $(if $(filter y,$(CONFIG_BOARDIO_GPIO)),libgpiod)
