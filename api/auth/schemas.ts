import { Type } from 'typebox';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../src/auth/password-policy.js';
import { Timestamp } from '../http/common-schemas.js';

// Spelled out (not mapped from STAFF_ROLES) so the static types keep the literal role names.
export const StaffRoleSchema = Type.Union([
  Type.Literal('admin'),
  Type.Literal('ar_clerk'),
  Type.Literal('collector'),
  Type.Literal('dispute_handler'),
  Type.Literal('credit_manager'),
  Type.Literal('finance_director'),
  Type.Literal('auditor'),
]);
export const RoleSchema = Type.Union([StaffRoleSchema, Type.Literal('customer')]);

export const LoginBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const PublicUserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  customerId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  status: Type.Union([Type.Literal('invited'), Type.Literal('active'), Type.Literal('disabled')]),
  createdBy: Type.String(),
  createdAt: Type.String(),
  lastSignInAt: Type.Union([Type.String(), Type.Null()]),
});

export const TokenPairSchema = Type.Object({
  tokenType: Type.Literal('Bearer'),
  accessToken: Type.String(),
  expiresAt: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  refreshToken: Type.String({ description: 'single use: every refresh returns a new one' }),
  refreshExpiresAt: Type.String(),
  user: PublicUserSchema,
});

export const MeSchema = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('api_key'), Type.Literal('token')]),
  subject: Type.String(),
  actor: Type.String(),
  roles: Type.Array(RoleSchema),
  customerId: Type.Union([Type.String(), Type.Null()]),
});

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    role: RoleSchema,
    customerId: Type.Optional(
      Type.String({ format: 'uuid', description: 'required for role customer, refused otherwise' }),
    ),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    // The password policy's length and its one-character rule; that it is not the e-mail address is checked after (422).
    password: Type.Optional(
      Type.String({
        minLength: PASSWORD_MIN_LENGTH,
        maxLength: PASSWORD_MAX_LENGTH,
        not: { pattern: '^(.)\\1*$' },
        description: `omit to create the user as invited; ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters, not one character repeated, not the e-mail address`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const UserListQuery = Type.Object(
  { customerId: Type.Optional(Type.String({ format: 'uuid' })), role: Type.Optional(RoleSchema) },
  { additionalProperties: false },
);

export const ApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  roles: Type.Array(StaffRoleSchema),
  createdBy: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});
export const CreatedApiKeySchema = Type.Intersect([
  ApiKeySchema,
  Type.Object({ key: Type.String({ description: 'shown once; only its hash is stored' }) }),
]);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    roles: Type.Array(StaffRoleSchema, { minItems: 1, uniqueItems: true }),
    expiresAt: Type.Optional(Timestamp()),
  },
  { additionalProperties: false },
);

export const AuditRecordSchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  role: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  outcome: Type.String(),
  method: Type.Union([Type.String(), Type.Null()]),
  route: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
