/**
 * The authenticated caller of a request. Kept in its own dependency-free module so both the HTTP scaffold (which
 * types `req.principal`) and the auth services can import it without importing each other.
 */

/** Who is calling: the user behind a bearer token, and which token it was (so logout can revoke exactly it). */
export interface Principal {
  userId: string;
  username: string;
  isAdmin: boolean;
  tokenId: string;
}
