// mediasoup-client.bundle.js as installed by a build that could not make
// the bundle: node or the npm packages of html/package.json were missing
// (the Debian package build, a tree without `npm ci` in html/). It exports
// no Device, and room-mediasoup.html shows this notice instead of the call.
export const unbuilt = 'This build of Parley did not bundle mediasoup-client and socket.io-client: ' +
	'node or the npm packages of html/package.json were missing when html/ was built. ' +
	'Run "npm ci" in html/ (./parley.sh run and ./parley.sh test do) and build and install again; ' +
	'see html/README.md.';
