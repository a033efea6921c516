import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SigningKeyProps {
  /**
   * Characters of generated key material; the handlers derive the Ed25519 key pair from it and
   * need at least 32.
   * @default 64
   */
  readonly length?: number;
  /**
   * What happens to the secret when it leaves the stack. Replacing it signs every user out.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The ticket signing key material: random text that Secrets Manager generates itself, so the key
 * never appears in a template, an asset or a log.
 */
export class SigningKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: SigningKeyProps = {}) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'Ticket signing key material (the handlers derive an Ed25519 key pair from it)',
      generateSecretString: { passwordLength: props.length ?? 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }
}
