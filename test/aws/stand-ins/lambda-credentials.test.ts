// The credential provider the Lambda bundles take instead of the SDK's default chain (lib/bundling.ts).
import { defaultProvider } from '../../../lambdas/aws/stand-ins/lambda-credentials';

describe('lambda credentials stand-in', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = saved; });

  it('should take the role credentials Lambda puts in the environment', async () => {
    // Prepare
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIATEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toEqual(expect.objectContaining({ accessKeyId: 'ASIATEST', secretAccessKey: 'secret', sessionToken: 'token' }));
  });

  it('should fail, not look elsewhere, when the environment has none', async () => {
    // Prepare
    process.env = { ...saved };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    // Act
    const reading = defaultProvider()();

    // Assess
    await expect(reading).rejects.toThrow(/Unable to find environment variable credentials/);
  });
});
