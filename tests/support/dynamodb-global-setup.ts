import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb.js';

/** One in-memory DynamoDB Local for the integration project; each test file creates its own table. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal({});
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
