/**
 * Operator roles, weakest first: the one registry the auth hook, the PKI
 * (`fedlink pki issue --role`), the CLI's choices and the docs derive from.
 */

/** Every role, weakest first; each includes what the ones before it may do. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** An operator's role. */
export type Role = (typeof ROLES)[number];

/** What each role adds, for help texts and docs. */
export const ROLE_HELP: Record<Role, string> = {
  viewer: 'list, show, watch runs, rounds and clients; export models',
  operator: 'also create and cancel runs',
  admin: 'also enroll and revoke clients and read the audit log',
};

/** Whether `role` is a known role name. */
export function isRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}

/** Whether `have` includes everything `need` may do. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}
