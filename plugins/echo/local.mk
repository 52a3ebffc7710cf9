# parley.plugin.echo: the reference plugin (a libtool module in $(plugindir))
# and its sample configuration.
plugin_LTLIBRARIES += plugins/echo/parley_plugin_echo.la
plugins_echo_parley_plugin_echo_la_SOURCES = plugins/echo/echo.c
plugins_echo_parley_plugin_echo_la_LDFLAGS = $(MODULE_LDFLAGS)
plugins_echo_parley_plugin_echo_la_LIBADD = libparleyutil.la $(MODULE_LIBS)
dist_parleyconf_DATA += conf/parley.plugin.echo.conf
