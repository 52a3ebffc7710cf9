# Sample configuration: conf/parley.conf and the systemd unit are generated
# from their templates with the install paths filled in; each module's
# local.mk installs its own conf/<package>.conf.
conf_substitute = sed \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@plugindir[@]|$(plugindir)|g' \
	-e 's|@transportdir[@]|$(transportdir)|g' \
	-e 's|@handlerdir[@]|$(handlerdir)|g'

parleyconf_DATA += conf/parley.conf
conf/parley.conf: $(top_srcdir)/conf/parley.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf && $(conf_substitute) $(top_srcdir)/conf/parley.conf.in >$@.tmp && mv $@.tmp $@

systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = conf/systemd/parley.service
conf/systemd/parley.service: $(top_srcdir)/conf/parley.service Makefile
	$(AM_V_GEN)$(MKDIR_P) conf/systemd && $(conf_substitute) $(top_srcdir)/conf/parley.service >$@.tmp && mv $@.tmp $@

CLEANFILES += conf/parley.conf conf/systemd/parley.service
EXTRA_DIST += conf/parley.conf.in conf/parley.service
