// The verified caller of a request. Every credential (access token, API key, portal session) resolves to one of these.
import type { Role } from './roles.js';

export interface Identity {
  /** user: a row in app_user; api_key: an integration key; token: minted by the operator CLI without a user row. */
  kind: 'user' | 'api_key' | 'token';
  /** The user id, the API key id, or the subject named when the token was minted. */
  subject: string;
  /** What audit trails and workflow histories record as the actor (an e-mail, `api-key:<name>`, ...). */
  actor: string;
  roles: Role[];
  /** Set for portal users (role `customer`): the one customer they may see. */
  customerId?: string;
}
