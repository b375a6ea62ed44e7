// Who is signed in: "admin", "support" or "read_only", and the key's id (set by app.js at
// sign-in from WhoAmI).
export const session = { role: null, keyId: null };
export const canWrite = () => session.role === "admin";
// Support work on one customer: rollbacks and rewards links (admin keys may too).
export const canSupport = () => session.role === "admin" || session.role === "support";
