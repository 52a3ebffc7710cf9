# html/local.mk — the demo pages and the JS client, installed into
# $(pkgdatadir)/html (point the HTTP transport's html_folder there).
htmldir = $(pkgdatadir)/html
dist_html_DATA = html/index.html html/parley.js \
	html/echo.html html/echo-page.js \
	html/meeting.html html/meeting-page.js html/meeting-mesh.js \
	html/room.html html/room.js
htmlcssdir = $(htmldir)/css
dist_htmlcss_DATA = html/css/parley.css html/css/meeting.css
