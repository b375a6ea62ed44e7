// Who is signed in: "admin" or "read_only" (set by app.js at sign-in).
export const session = { role: null };
export const canWrite = () => session.role === "admin";
