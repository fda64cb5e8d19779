import { Migration } from '@mikro-orm/migrations';

/**
 * Identity and access: staff and portal users (a portal user belongs to exactly one customer), refresh tokens grouped
 * in rotation families (reusing a rotated token revokes its family), API keys for integrations (only a hash of the
 * secret is stored), one-time links (portal invitations, magic-link sign-in) and the audit log of sign-ins and staff
 * mutations. Secrets are stored as hashes only: a database dump does not let anyone sign in.
 */
export class Migration0090Auth extends Migration {
  override name = '0090-auth';

  override up(): void {
    this.addSql(`
      CREATE TABLE app_user (
        id uuid PRIMARY KEY,
        email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
        display_name text,
        role text NOT NULL CHECK (role IN ('admin', 'ar_clerk', 'collector', 'dispute_handler', 'credit_manager', 'finance_director', 'auditor', 'customer')),
        customer_id uuid REFERENCES customer (id),
        password_hash text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'disabled')),
        preferences jsonb NOT NULL DEFAULT '{}',
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz,
        CHECK ((role = 'customer') = (customer_id IS NOT NULL))
      )`);
    this.addSql('CREATE UNIQUE INDEX app_user_email_idx ON app_user (email)');
    this.addSql('CREATE INDEX app_user_customer_idx ON app_user (customer_id) WHERE customer_id IS NOT NULL');
    this.addSql(`
      CREATE TABLE refresh_token (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (id),
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        replaced_by uuid,
        revoked_at timestamptz,
        revoked_reason text,
        ip text,
        user_agent text
      )`);
    this.addSql('CREATE INDEX refresh_token_family_idx ON refresh_token (family_id)');
    this.addSql('CREATE INDEX refresh_token_user_idx ON refresh_token (user_id)');
    this.addSql(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND NOT ('customer' = ANY (roles))),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    this.addSql(`
      CREATE TABLE one_time_link (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (id),
        purpose text NOT NULL CHECK (purpose IN ('invitation', 'magic_link')),
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql('CREATE INDEX one_time_link_user_idx ON one_time_link (user_id, purpose)');
    this.addSql(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        role text,
        action text NOT NULL,
        outcome text NOT NULL,
        method text,
        route text,
        target text,
        status_code integer,
        ip text,
        user_agent text,
        request_id text,
        detail jsonb NOT NULL DEFAULT '{}'
      )`);
    this.addSql('CREATE INDEX audit_log_at_idx ON audit_log (at, id)');
    this.addSql('CREATE INDEX audit_log_actor_idx ON audit_log (actor, at)');
  }

  override down(): void {
    this.addSql('DROP TABLE audit_log');
    this.addSql('DROP TABLE one_time_link');
    this.addSql('DROP TABLE api_key');
    this.addSql('DROP TABLE refresh_token');
    this.addSql('DROP TABLE app_user');
  }
}
