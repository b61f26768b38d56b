// Stream ARNs: arn:aws:kinesis:<region>:<account>:stream/<name>. Consumer ARNs, as AWS forms them:
// <stream ARN>/consumer/<consumer name>:<creation time, epoch seconds>.

export interface StreamAddress {
  region: string;
  account: string;
  name: string;
}

export function streamArn(a: StreamAddress): string {
  return `arn:${partition(a.region)}:kinesis:${a.region}:${a.account}:stream/${a.name}`;
}

export function parseStreamArn(arn: string): StreamAddress | undefined {
  const m = /^arn:aws[a-z-]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, name: m[3]! };
}

export interface ConsumerAddress {
  stream: StreamAddress;
  name: string;
  createdSec: number;
}

export function consumerArn(stream: StreamAddress, name: string, createdMs: number): string {
  return `${streamArn(stream)}/consumer/${name}:${Math.floor(createdMs / 1000)}`;
}

const CONSUMER_ARN = /^(arn:aws[a-z-]*:kinesis:[^:]*:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d{1,15})$/;

export function parseConsumerArn(arn: string): ConsumerAddress | undefined {
  const m = CONSUMER_ARN.exec(arn);
  if (!m) return undefined;
  const stream = parseStreamArn(m[1]!);
  return stream && { stream, name: m[2]!, createdSec: Number(m[3]) };
}

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
