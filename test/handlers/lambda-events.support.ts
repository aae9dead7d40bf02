import type { APIGatewayProxyEvent, Context, SQSEvent } from 'aws-lambda';

export const context = {
  functionName: 'test',
  awsRequestId: 'aws-req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 10000,
} as unknown as Context;

export function apiEvent(
  resource: string,
  headers: Record<string, string>,
  body: string | null,
  extra: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  return {
    resource,
    path: resource,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'apigw-req-1',
      identity: { sourceIp: '203.0.113.7' },
    } as APIGatewayProxyEvent['requestContext'],
    ...extra,
  };
}

export function sqsEvent(bodies: Array<{ id: string; body: string; receiveCount?: number }>): SQSEvent {
  return {
    Records: bodies.map(({ id, body, receiveCount }) => ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount ?? 1),
        SentTimestamp: '0',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    })),
  };
}
