import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DeployConfigError, readDeployConfig } from '../../lib/deploy-config.ts';

const example = JSON.parse(
  readFileSync(new URL('../../deploy.config.example.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const certificateArn = 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012';

/** The example with some fields replaced (undefined removes one). */
const withFields = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries({ ...example, ...fields }).filter(([, value]) => value !== undefined));

/** The problems a configuration is refused for. */
function problemsOf(config: unknown): readonly string[] {
  try {
    readDeployConfig(config, 'test.json');
  } catch (err) {
    if (err instanceof DeployConfigError) return err.problems;
    throw err;
  }
  assert.fail('the configuration was accepted');
}

const sitesWith = (
  internal: Record<string, unknown>,
  external: Record<string, unknown> = { signInMethods: ['forms'] },
) => ({
  sites: { internal, external },
  identityProviders: undefined,
});

void describe('deployment configuration', () => {
  void test('accepts the committed example and turns it into stack settings', () => {
    const deployment = readDeployConfig(example);

    assert.equal(deployment.region, 'eu-west-1');
    assert.deepEqual(deployment.internalNetworks, { ipv4: ['10.0.0.0/8', '192.168.0.0/16'], ipv6: [] });
    assert.equal(deployment.stack.ticketLifetimeSeconds, 28800);
    assert.deepEqual(deployment.stack.siteTickets, { external: { idleSeconds: 900 } });
    assert.equal(deployment.stack.alarmEmail, 'operations@example.com');
    assert.equal(deployment.stack.signInSettings?.TWO_FACTOR_SITES, 'internal,external');
    assert.equal(deployment.stack.signInSettings?.TWO_FACTOR_REQUIRED_SITES, 'external');
    assert.deepEqual(deployment.firewall, {
      requestsPerFiveMinutes: 3000,
      signInRequestsPerFiveMinutes: 300,
    });
  });

  void test('names each bad field, all at once', () => {
    const problems = problemsOf(
      withFields({
        region: 'Europe',
        account: '12345',
        internalNetworks: ['10.0.0.0/8', '10.0.0.0', 'fd00::/200'],
        legacyUrl: 'not a url',
        logRetentionDays: 31,
        surprise: true,
      }),
    );

    assert.deepEqual(problems, [
      'the configuration.surprise is not a known setting',
      'account must be twelve digits',
      'region must be an AWS region such as eu-west-1',
      'internalNetworks[1] must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8',
      'internalNetworks[2] must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8',
      'legacyUrl must be an absolute https URL',
      'logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  void test('says which file and field in the error message cdk synth prints', () => {
    assert.throws(() => readDeployConfig(withFields({ region: undefined }), 'deploy.config.json'), {
      name: 'DeployConfigError',
      message: /^deploy\.config\.json is not a valid deployment configuration:\n {2}- region is required/,
    });
    assert.deepEqual(problemsOf([]), ['the configuration must be an object']);
  });

  void test('needs a domain and its us-east-1 certificate together', () => {
    assert.deepEqual(
      problemsOf(withFields(sitesWith({ signInMethods: ['forms'], domainName: 'im.example.com' }))),
      ['sites.internal needs domainName and certificateArn together'],
    );
    assert.deepEqual(
      problemsOf(
        withFields(
          sitesWith({
            signInMethods: ['forms'],
            domainName: 'im.example.com',
            certificateArn: certificateArn.replace('us-east-1', 'eu-west-1'),
          }),
        ),
      ),
      [
        'sites.internal.certificateArn must be the ARN of an ACM certificate in us-east-1 (CloudFront reads certificates only there)',
        'sites.internal needs domainName and certificateArn together',
      ],
    );
    const deployment = readDeployConfig(
      withFields(sitesWith({ signInMethods: ['forms'], domainName: 'im.example.com', certificateArn })),
    );
    assert.deepEqual(deployment.stack.sites?.internal, { domainName: 'im.example.com', certificateArn });
  });

  void test('refuses sign-in methods a site cannot offer, and methods without their settings', () => {
    assert.deepEqual(
      problemsOf(
        withFields(sitesWith({ signInMethods: ['sso'] }, { signInMethods: ['forms', 'windows', 'magic'] })),
      ),
      [
        'sites.internal.signInMethods must include forms (the contract’s sign-in, always offered)',
        'sites.external.signInMethods[2] must be one of: forms, windows, sso, assertion, certificate, two-factor',
        'sites.external.signInMethods cannot include windows: Windows sign-in is for the internal site only',
        'sites.internal.signInMethods lists sso, which needs identityProviders.SSO_ISSUER',
      ],
    );
    assert.deepEqual(problemsOf(withFields(sitesWith({ signInMethods: ['forms', 'windows'] }))), [
      'sites.internal.signInMethods lists windows, which needs windowsSignIn.keytabSecretArn or windowsSignIn.ntlmDomain',
    ]);
  });

  void test('sets which sites offer single sign-on from signInMethods, and checks the provider settings as the handlers would', () => {
    const sso = {
      ...sitesWith({ signInMethods: ['forms', 'sso'] }),
      identityProviders: { SSO_ISSUER: 'https://login.example.com', SSO_CLIENT_ID: 'communicator' },
    };
    assert.equal(readDeployConfig(withFields(sso)).stack.signInSettings?.SSO_SITES, 'internal');
    assert.deepEqual(
      problemsOf(
        withFields({ ...sso, identityProviders: { ...sso.identityProviders, SSO_CLIENT_SECRET: 'hunter2' } }),
      ),
      ['identityProviders put the client secret in Secrets Manager and give SSO_CLIENT_SECRET_ARN'],
    );
    assert.deepEqual(
      problemsOf(
        withFields({ ...sso, identityProviders: { ...sso.identityProviders, SSO_SITES: 'external' } }),
      ),
      ['identityProviders.SSO_SITES is set from sites.*.signInMethods; remove it here'],
    );
    assert.deepEqual(
      problemsOf(withFields({ identityProviders: { SSO_ISSUER: 'https://login.example.com' } })),
      ['identityProviders.SSO_ISSUER is set, but no site lists sso in signInMethods'],
    );
  });

  void test('refuses firewall limits under the WAF minimum and ticket lifetimes that are not whole seconds', () => {
    assert.deepEqual(
      problemsOf(
        withFields({
          firewall: { requestsPerFiveMinutes: 5 },
          tickets: { lifetimeSeconds: 1.5, internal: { idleSeconds: -1 } },
          monitoring: { alarmEmail: 'nobody' },
        }),
      ),
      [
        'tickets.lifetimeSeconds must be a whole number from 1 to 31536000',
        'tickets.internal.idleSeconds must be a whole number from 1 to 31536000',
        'monitoring.alarmEmail must be an e-mail address',
        'firewall.requestsPerFiveMinutes must be at least 10 (the WAF minimum)',
      ],
    );
  });

  void test('splits the internal networks by address family for the WAF IP sets', () => {
    const deployment = readDeployConfig(withFields({ internalNetworks: ['10.1.0.0/16', '2001:db8::/32'] }));
    assert.deepEqual(deployment.internalNetworks, { ipv4: ['10.1.0.0/16'], ipv6: ['2001:db8::/32'] });
    assert.deepEqual(problemsOf(withFields({ internalNetworks: [] })), [
      'internalNetworks must list the organisation’s networks as CIDRs (e.g. "10.0.0.0/8")',
    ]);
  });
});

void describe('smart card sign-in (certificateSignIn)', () => {
  const fixtures = new URL('../fixtures/smart-cards/', import.meta.url).pathname;
  const regionalArn = 'arn:aws:acm:eu-west-1:111111111111:certificate/87654321-4321-4321-4321-210987654321';
  const withCertificates = (certificateSignIn: unknown, methods = ['forms', 'certificate']) =>
    withFields(
      sitesWith({ signInMethods: methods, ...(certificateSignIn !== undefined && { certificateSignIn }) }),
    );
  const smartCard = {
    domainName: 'smartcard.im.example.com',
    certificateArn: regionalArn,
    truststoreFile: `${fixtures}truststore.pem`,
    crlFile: `${fixtures}revocation-lists.crl`,
  };

  void test('gives the site its mutual-TLS domain, files read relative to the configuration', () => {
    const deployment = readDeployConfig(
      withCertificates({ ...smartCard, truststoreFile: 'truststore.pem', crlFile: 'revocation-lists.crl' }),
      `${fixtures}deploy.config.json`,
    );

    assert.deepEqual(deployment.stack.certificateSignIn, {
      internal: {
        domainName: 'smartcard.im.example.com',
        certificateArn: regionalArn,
        truststoreFile: `${fixtures}truststore.pem`,
        crlFile: `${fixtures}revocation-lists.crl`,
      },
    });
    assert.equal(deployment.stack.signInSettings?.CLIENT_CERT_SITES, 'internal');
    assert.deepEqual(deployment.stack.certificateFirewall, {
      internalNetworks: { ipv4: ['10.0.0.0/8', '192.168.0.0/16'], ipv6: [] },
      requestsPerFiveMinutes: 3000,
      signInRequestsPerFiveMinutes: 300,
    });
  });

  void test('needs the domain to list certificate, and the other way round', () => {
    assert.deepEqual(problemsOf(withCertificates(undefined)), [
      'sites.internal.signInMethods lists certificate, which needs certificateSignIn: a domain of its own where API Gateway asks for the smart card (docs/sign-in/smart-cards.md)',
    ]);
    assert.deepEqual(problemsOf(withCertificates(smartCard, ['forms'])), [
      'sites.internal.certificateSignIn is set, but signInMethods does not list certificate',
    ]);
  });

  void test('refuses a certificate outside the region, unreadable or wrong files, and CA settings given by hand', () => {
    assert.deepEqual(
      problemsOf(
        withCertificates({
          ...smartCard,
          certificateArn: regionalArn.replace('eu-west-1', 'us-east-1'),
          truststoreFile: `${fixtures}missing.pem`,
          crlFile: `${fixtures}truststore.pem`,
        }),
      ),
      [
        'sites.internal.certificateSignIn.certificateArn must be the ARN of an ACM certificate in eu-west-1 (API Gateway reads a regional domain’s certificate there)',
        `sites.internal.certificateSignIn.truststoreFile cannot be read (${fixtures}missing.pem)`,
        'sites.internal.certificateSignIn.crlFile holds no CRL (PEM "X509 CRL" blocks, or one DER CRL)',
      ],
    );
    assert.deepEqual(
      problemsOf({ ...withCertificates(smartCard), identityProviders: { CLIENT_CERT_CA: 'pem' } }),
      ['identityProviders.CLIENT_CERT_CA is set from sites.*.certificateSignIn; remove it here'],
    );
  });
});
