// Shared settings for the real-client tests: the server under test and the credentials to use, from the environment.
export const endpoint = process.env.TRACEVAULT_ENDPOINT;
export const region = process.env.AWS_REGION ?? 'us-east-1';
export const accountId = process.env.TRACEVAULT_ACCOUNT;

if (!endpoint) {
  throw new Error('TRACEVAULT_ENDPOINT is not set: these scripts are run by the .NET test suite against a live server.');
}

export const adminCredentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
};

/** Client configuration for a Tracevault endpoint, with optional credentials and overrides. */
export function clientConfig(overrides = {}) {
  return { endpoint, region, credentials: adminCredentials, maxAttempts: 1, ...overrides };
}

/** Credentials named NAME_ACCESS_KEY_ID / NAME_SECRET_ACCESS_KEY in the environment. */
export function credentialsFromEnv(name) {
  const accessKeyId = process.env[`${name}_ACCESS_KEY_ID`];
  const secretAccessKey = process.env[`${name}_SECRET_ACCESS_KEY`];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(`${name}_ACCESS_KEY_ID and ${name}_SECRET_ACCESS_KEY must be set`);
  }
  return { accessKeyId, secretAccessKey };
}

/** Runs fn and returns the error it throws; fails when it does not throw. */
export async function rejection(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Adds a middleware that runs after SigV4 signing, to alter the signed request. */
export function afterSigning(client, name, alter) {
  client.middlewareStack.addRelativeTo(
    (next) => async (args) => {
      alter(args.request);
      return next(args);
    },
    { name, relation: 'after', toMiddleware: 'httpSigningMiddleware' },
  );
}
