// The embedded default: a persisted Temporal dev server with its Web UI, a local mail catcher, migrations,
// the worker and the API, all in one process tree. With TEMPORAL_ADDRESS set it uses that cluster instead.
import { loadConfig, ConfigError } from '../config/config.js';
import { migrate } from '../db/orm.js';
import { startMailCatcher, type MailCatcher } from '../mail/catcher.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import {
  installTemporalRuntime,
  loopbackMetricsAddress,
  onShutdownSignal,
  openOrm,
  runApi,
  runWorker,
} from '../composition/runtime.js';
import { setupTracing } from '../observability/tracing.js';

function elapsed(started: number) {
  return `${Math.round(performance.now() - started)} ms`;
}

async function main() {
  const config = loadConfig();
  installTemporalRuntime('WARN', { metricsBindAddress: await loopbackMetricsAddress() });
  const tracing = setupTracing(config.integrations.tracing);
  let devServer: DevServer | undefined;
  let catcher: MailCatcher | undefined;

  let t = performance.now();
  let address = config.temporal.address;
  if (!address) {
    devServer = await startDevServer({
      port: config.temporal.devServer.port,
      uiPort: config.temporal.devServer.uiPort,
      dbFile: config.temporal.devServer.dbFile,
      logLevel: 'error',
    });
    address = devServer.address;
    console.log(
      `[start] Temporal dev server on ${address}, persisted in ${config.temporal.devServer.dbFile} (${elapsed(t)})`,
    );
  }

  if (!process.env.SMTP_URL) {
    t = performance.now();
    const smtpPort = Number(new URL(config.mail.smtpUrl).port || 1025);
    catcher = await startMailCatcher({ smtpPort, uiPort: config.mail.catcherUiPort });
    console.log(`[start] mail catcher: SMTP on 127.0.0.1:${catcher.smtpPort} (${elapsed(t)})`);
  }

  t = performance.now();
  const orm = await openOrm(config.databaseUrl);
  const applied = await migrate(orm);
  console.log(`[start] database migrated: ${applied.length ? applied.join(', ') : 'up to date'} (${elapsed(t)})`);

  t = performance.now();
  const worker = await runWorker(config, address, { orm });
  console.log(`[start] worker polling "${config.temporal.taskQueue}" (${elapsed(t)})`);
  const api = await runApi(config, address, { orm });

  console.log(`
  AR engine is running.
    API            ${config.http.publicUrl}
    API docs       ${config.http.publicUrl}/docs
    Temporal UI    ${devServer ? `http://localhost:${config.temporal.devServer.uiPort}` : `(your cluster at ${address})`}
    Mail inbox     ${catcher ? `http://localhost:${catcher.uiPort}` : `(SMTP_URL=${config.mail.smtpUrl})`}
    Customer portal ${config.http.publicUrl}/portal
  Every route but health, sign-in and docs needs a bearer token. Get one:
    TOKEN=$(npm run -s ar -- token --role admin)          (or: npm run ar -- users create-admin --email you@example.com,
                                                            then POST /auth/login)
  Try: curl -s -X POST ${config.http.publicUrl}/customers -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
         -d '{"legalName":"Acme Corp","email":"ap@acme.example","currency":"EUR","billingAddress":{"line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}}'
  Ctrl-C stops everything.
`);

  onShutdownSignal(async () => {
    await api.stop();
    await worker.stop();
    await orm.close();
    await catcher?.close();
    await devServer?.stop();
    await tracing?.shutdown();
  });
  await worker.running;
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
