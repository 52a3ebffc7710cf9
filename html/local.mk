# html/local.mk — the demo pages and the JS client, installed into
# $(pkgdatadir)/html (point the HTTP transport's html_folder there).
htmldir = $(pkgdatadir)/html
dist_html_DATA = html/index.html html/parley.js \
	html/echo.html html/echo-page.js \
	html/meeting.html html/meeting-page.js html/meeting-mesh.js \
	html/page-common.js html/room.html html/room.js \
	html/room-mediasoup.html html/room-mediasoup.js \
	html/whep.html html/whep.js \
	html/chat.html html/chat-page.js \
	html/admin.html html/admin.js html/admin-api.js html/admin-dom.js html/admin-charts.js \
	html/admin-sessions.js html/admin-rooms.js html/admin-chat.js html/admin-analytics.js
htmlcssdir = $(htmldir)/css
dist_htmlcss_DATA = html/css/parley.css html/css/meeting.css html/css/room.css html/css/admin.css \
	html/css/chat.css

# room-mediasoup.html runs the real mediasoup-client and socket.io-client,
# bundled here by esbuild from the npm packages pinned in html/package.json
# (installed into $(srcdir)/html/node_modules by `npm ci` in html/, which
# ./parley.sh run and test do first). The bundle is a build product of the
# build folder. Without node or those packages (the Debian package build)
# the installed bundle is html/bundle/unbuilt.js, which exports no Device:
# the page then says that the bundle was not built. Installing the packages
# later makes the next `make` bundle them ($(wildcard) sees npm's lock).
HTML_NODE_MODULES = $(srcdir)/html/node_modules
NODE = node
nodist_html_DATA = html/mediasoup-client.bundle.js
html/mediasoup-client.bundle.js: $(srcdir)/html/bundle/mediasoup-libs.js $(srcdir)/html/bundle/build.mjs \
		$(srcdir)/html/bundle/unbuilt.js $(srcdir)/html/package-lock.json \
		$(wildcard $(srcdir)/html/node_modules/.package-lock.json)
	$(AM_V_GEN)$(MKDIR_P) html && \
	if command -v $(NODE) >/dev/null 2>&1 && \
	   test -f $(HTML_NODE_MODULES)/esbuild/package.json && \
	   test -f $(HTML_NODE_MODULES)/mediasoup-client/package.json && \
	   test -f $(HTML_NODE_MODULES)/socket.io-client/package.json; then \
	  $(NODE) $(srcdir)/html/bundle/build.mjs $(srcdir)/html/bundle/mediasoup-libs.js $@ >/dev/null; \
	else \
	  echo "html: mediasoup-client.bundle.js NOT built (no node, or no npm packages in $(HTML_NODE_MODULES): run npm ci in html/); room-mediasoup.html will say so"; \
	  cat $(srcdir)/html/bundle/unbuilt.js >$@.tmp && mv $@.tmp $@; \
	fi
CLEANFILES += html/mediasoup-client.bundle.js
EXTRA_DIST += html/README.md html/package.json html/package-lock.json \
	html/bundle/build.mjs html/bundle/mediasoup-libs.js html/bundle/unbuilt.js
