// Operator CLI: `npm run ar -- <command>`.
//   users create-admin --email <e-mail> [--password <password>]   first admin (a password is generated if omitted)
//   token --role <role> [--customer <id>] [--actor <name>] [--ttl PT8H]   prints a bearer token signed with the
//                                                                  API's secret (AUTH_JWT_SECRET or .data/auth-secret)
//   api-keys create --name <name> --role <role> [--role ...]        prints a new API key (shown once)
//   access-doc [--write]                                           the permission matrix as Markdown (docs/access.md)
//   reseal                                                         re-seals stored secrets, tax ids and bank account
//                                                                  numbers with the first key of DATA_ENCRYPTION_KEYS
//                                                                  and recomputes their match hashes (DATA_HASH_KEY)
//   --help (or help, alone or after any command) prints the usage; a mistake prints it too, with exit code 2
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApiKey } from '../auth/store/api-keys.js';
import { renderAccessTable, withCurrentTable } from '../auth/access-doc.js';
import { isRole, STAFF_ROLES, type StaffRole } from '../auth/roles.js';
import { resolveAuthSecret } from '../auth/secret.js';
import { signAccessToken } from '../auth/tokens.js';
import { createUser, EmailTakenError } from '../auth/store/users.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { migrate, openOrm } from '../db/orm.js';
import { isDuration } from '../shared/duration.js';
import { passwordProblem } from '../auth/password-policy.js';
import { dataKeyring } from '../security/keyring.js';
import { resealAll } from '../security/reseal.js';

const USAGE = `usage:
  npm run ar -- users create-admin --email <e-mail> [--password <password>]
  npm run ar -- token --role <${[...STAFF_ROLES, 'customer'].join('|')}> [--customer <customer id>] [--actor <name>] [--ttl PT8H]
  npm run ar -- api-keys create --name <name> --role <staff role> [--role <staff role> ...]
  npm run ar -- access-doc [--write]
  npm run ar -- reseal
  npm run ar -- --help`;

class UsageError extends Error {}

/** The user asked for the usage text (`--help`, `-h`, `help`): printed on stdout, exit code 0. */
class HelpRequested extends Error {}

async function withDatabase<T>(run: (em: import('@mikro-orm/postgresql').EntityManager) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const orm = await openOrm(config.databaseUrl, { poolMax: 2 });
  try {
    await migrate(orm);
    return await run(orm.em.fork());
  } finally {
    await orm.close();
  }
}

/** Options and positionals; a mistyped option is a usage mistake (exit 2), not a crash with a stack trace. */
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        email: { type: 'string' },
        password: { type: 'string' },
        role: { type: 'string', multiple: true },
        customer: { type: 'string' },
        actor: { type: 'string' },
        ttl: { type: 'string' },
        name: { type: 'string' },
        write: { type: 'boolean' },
      },
    });
  } catch (error) {
    // node:util's parse errors (unknown option, missing value) carry a code and a message for people.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError((error as Error).message.split('. ')[0]!);
    throw error;
  }
}

async function main(argv: string[]): Promise<string> {
  const { values, positionals } = parseCommandLine(argv);
  const command = positionals.join(' ');
  if (values.help || command === 'help' || positionals[0] === 'help') throw new HelpRequested();

  if (command === 'users create-admin') {
    if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) throw new UsageError('--email <e-mail> is required');
    const generated = values.password === undefined;
    const password = values.password ?? randomBytes(18).toString('base64url');
    const weak = passwordProblem(password, values.email);
    if (weak) throw new UsageError(`--password ${weak}`);
    const user = await withDatabase((em) =>
      createUser(em, { email: values.email!, role: 'admin', password, by: 'cli' }),
    ).catch((error: unknown) => {
      if (error instanceof EmailTakenError) throw new UsageError(`a user with e-mail ${error.email} exists`);
      throw error;
    });
    return [
      `admin ${user.email} created (id ${user.id})`,
      generated
        ? `password: ${password}   (shown once; sign in with POST /auth/login)`
        : 'sign in with POST /auth/login',
    ].join('\n');
  }

  if (command === 'token') {
    const role = values.role?.[0];
    if (!isRole(role) || (values.role?.length ?? 0) > 1)
      throw new UsageError('--role <role> is required, exactly once');
    if (role === 'customer' && !values.customer)
      throw new UsageError('--customer <customer id> is required for role customer');
    if (role !== 'customer' && values.customer) throw new UsageError('--customer is only for role customer');
    const ttl = values.ttl ?? 'PT8H';
    if (!isDuration(ttl)) throw new UsageError('--ttl must be an ISO-8601 duration such as PT8H');
    const actor = values.actor ?? `cli:${role}`;
    const { token } = await signAccessToken(
      resolveAuthSecret(loadConfig()),
      {
        kind: 'token',
        subject: actor,
        actor,
        roles: [role],
        ...(values.customer ? { customerId: values.customer } : {}),
      },
      ttl,
    );
    return token;
  }

  if (command === 'api-keys create') {
    const roles = values.role ?? [];
    if (!values.name) throw new UsageError('--name <name> is required');
    if (roles.length === 0 || !roles.every((r) => (STAFF_ROLES as readonly string[]).includes(r)))
      throw new UsageError(`--role must be one or more of ${STAFF_ROLES.join(', ')}`);
    const { key, record } = await withDatabase((em) =>
      createApiKey(em, { name: values.name!, roles: roles as StaffRole[], by: 'cli' }),
    );
    return `API key ${record.name} (${record.id}) with roles ${record.roles.join(', ')}:\n${key}\n(shown once; send it as Authorization: Bearer <key>)`;
  }

  if (command === 'access-doc') {
    if (!values.write) return renderAccessTable();
    const path = 'docs/access.md';
    writeFileSync(path, withCurrentTable(readFileSync(path, 'utf8')));
    return `${path} updated`;
  }

  if (command === 'reseal') {
    loadConfig(); // a malformed DATA_ENCRYPTION_KEYS or DATA_HASH_KEY stops here, naming the variable
    const counts = await withDatabase((em) => resealAll(em));
    return [
      `re-sealed with key ${dataKeyring().current.id}:`,
      `  ${counts.webhookSecrets} webhook signing secret(s)`,
      `  ${counts.taxIds} customer tax id(s) and audit trail entries`,
      `  ${counts.bankAccounts} bank account number(s) (statements, payments, statement entries, research tasks)`,
      `  ${counts.events} event(s) carrying a tax id`,
      `  ${counts.stagedImportRows} staged import row(s) carrying a tax id`,
      `  ${counts.idempotentAnswers} stored answer(s) for Idempotency-Key replays`,
    ].join('\n');
  }

  throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
}

main(process.argv.slice(2)).then(
  (output) => {
    console.log(output);
  },
  (error: unknown) => {
    if (error instanceof HelpRequested) {
      console.log(USAGE);
      return;
    }
    if (error instanceof UsageError || error instanceof ConfigError) console.error(`${error.message}\n\n${USAGE}`);
    else console.error(error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
