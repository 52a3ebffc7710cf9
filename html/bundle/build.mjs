// build.mjs ENTRY OUTFILE — bundles the page libraries (mediasoup-libs.js)
// with esbuild into one minified ES module for the browser, and keeps the
// licence notice of every npm package that ends up in it: esbuild's legal
// comments (none of these packages has one today) and, at the top, each
// package's name, version, licence and LICENSE file. Run by html/local.mk
// when node and html/node_modules are present (`npm ci` in html/).
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
	console.error('usage: node build.mjs ENTRY OUTFILE');
	process.exit(2);
}

/** The folder of the npm package a bundled file comes from, or null. */
function packageFolderOf(file) {
	const parts = path.resolve(file).split(path.sep);
	const at = parts.lastIndexOf('node_modules');
	if (at < 0 || at + 1 >= parts.length) return null;
	const length = parts[at + 1].startsWith('@') ? 2 : 1;
	return parts.slice(0, at + 1 + length).join(path.sep);
}

/** "name version (licence)" and the LICENSE text of one package folder. */
function noticeOf(folder) {
	const pkg = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
	const licenceFile = fs.readdirSync(folder).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
	return {
		title: `${pkg.name} ${pkg.version} (${pkg.license || 'licence: see its LICENSE'})`,
		text: licenceFile ? fs.readFileSync(path.join(folder, licenceFile), 'utf8').trim() : 'no LICENSE file in the package',
	};
}

/** One block comment; a "*" + "/" in a licence text must not end it. */
function banner(notices) {
	const lines = [`mediasoup-client.bundle.js: built by Parley's html/bundle/build.mjs with esbuild ${esbuild.version}`,
		'from these npm packages, whose licence notices follow:', ...notices.map((n) => `  ${n.title}`)];
	for (const n of notices) lines.push('', `--- ${n.title} ---`, ...n.text.split('\n'));
	return `/*!\n${lines.map((l) => ` * ${l.replaceAll('*/', '* /')}`.trimEnd()).join('\n')}\n */`;
}

const options = {
	entryPoints: [path.resolve(entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2020',
	minify: true, legalComments: 'eof', logLevel: 'warning', metafile: true, write: false,
	absWorkingDir: path.dirname(path.resolve(entry)),
};
const first = await esbuild.build(options);
const folders = [...new Set(Object.keys(first.metafile.inputs)
	.map((f) => packageFolderOf(path.resolve(options.absWorkingDir, f))).filter(Boolean))].sort();
const notices = folders.map(noticeOf);
const result = await esbuild.build({ ...options, metafile: false, banner: { js: banner(notices) } });
fs.mkdirSync(path.dirname(path.resolve(outfile)), { recursive: true });
fs.writeFileSync(`${outfile}.tmp`, result.outputFiles[0].contents);
fs.renameSync(`${outfile}.tmp`, outfile);
console.log(`${outfile}: ${notices.map((n) => n.title).join(', ')}`);
