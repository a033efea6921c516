import type { Product } from './connect.ts';
import type { ProductRequest } from './request.ts';

/** The product, reached: runs requests on it until closed. */
export interface Reached {
  /** Answers the request's report, or throws what refused it (as `perform` does). */
  perform(request: ProductRequest): Promise<string>;
  close(): Promise<void>;
}

/** Reaches the product as `productFrom` found it; each way loads only its own code. */
async function reach(product: Product): Promise<Reached> {
  switch (product.reach) {
    case 'dynamodb':
      return (await import('./through-dynamodb.ts')).throughDynamoDb(product);
    case 'endpoint':
      return (await import('./through-endpoint.ts')).throughEndpoint(product);
    case 'database':
      return (await import('./through-database.ts')).throughDatabase(product);
  }
}

/** Runs `work` on the product reached, and lets it go (the database closed) whatever happens. */
export async function withProduct<T>(product: Product, work: (reached: Reached) => Promise<T>): Promise<T> {
  const reached = await reach(product);
  try {
    return await work(reached);
  } finally {
    await reached.close();
  }
}
