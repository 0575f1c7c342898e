// The shared-secret check: both values are hashed to 32 bytes and compared without an early exit, so the time
// taken says nothing about how much of a guess was right (nor about the secret's length).

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Whether `presented` equals `secret`, compared in constant time. A missing header never matches. */
export async function secretMatches(presented: string | null, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented ?? ''), digest(secret)]);
  let difference = presented === null ? 1 : 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
