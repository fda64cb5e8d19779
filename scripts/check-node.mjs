// npm scripts run on the Node pinned as a dev dependency (the `node` package); fail loudly if that is not so.
const major = Number(process.versions.node.split('.')[0]);
console.log(`node ${process.version}`);
if (major !== 24) {
  console.error(`expected Node 24 (pinned dev dependency "node"), got ${process.version}: run npm ci`);
  process.exit(1);
}
