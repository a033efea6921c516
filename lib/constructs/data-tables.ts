import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableDefinition } from '../../functions/core/storage/tables.ts';

export interface DataTablesProps<K extends string> {
  /** The tables to create, by key; every key attribute is a string. */
  readonly definitions: Readonly<Record<K, TableDefinition>>;
  /**
   * Tables whose data cannot be rebuilt (the directory, contact lists): point-in-time recovery on,
   * and kept when the stack is deleted or the table replaced.
   * @default - none: every table is treated as rebuildable and destroyed with the stack
   */
  readonly durable?: readonly K[];
}

/**
 * The product's DynamoDB tables, created from their shared definitions: on-demand billing,
 * AWS-managed encryption, TTL where a definition names a TTL attribute, and GSIs projecting all
 * attributes. Exposes the environment that tells handlers each table's name.
 */
export class DataTables<K extends string> extends Construct {
  readonly tables: Readonly<Record<K, Table>>;
  /** Each definition's environment variable → the deployed table name. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: DataTablesProps<K>) {
    super(scope, id);
    const durable = new Set<string>(props.durable ?? []);
    const entries = Object.entries(props.definitions) as [K, TableDefinition][];
    const tables = {} as Record<K, Table>;
    const environment: Record<string, string> = {};
    for (const [key, definition] of entries) {
      const isDurable = durable.has(key);
      const table = new Table(this, key, {
        partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
        ...(definition.sortKey && { sortKey: { name: definition.sortKey, type: AttributeType.STRING } }),
        ...(definition.ttlAttribute && { timeToLiveAttribute: definition.ttlAttribute }),
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: isDurable },
        removalPolicy: isDurable ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of definition.indexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          ...(index.sortKey && { sortKey: { name: index.sortKey, type: AttributeType.STRING } }),
          projectionType: ProjectionType.ALL,
        });
      }
      tables[key] = table;
      environment[definition.envVar] = table.tableName;
    }
    this.tables = tables;
    this.environment = environment;
  }

  /** Item reads and writes (no table management, no `dynamodb:*`) on every table and its indexes. */
  grantReadWriteData(grantee: IGrantable): void {
    for (const table of Object.values<Table>(this.tables)) table.grantReadWriteData(grantee);
  }
}
