import type { Client } from '@temporalio/client';
import type { Config } from '../../src/config/config.js';
import type { Orm } from '../../src/db/orm.js';

export interface ApiDeps {
  config: Config;
  orm: Orm;
  temporal: Client;
}
