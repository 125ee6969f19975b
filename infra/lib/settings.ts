import type { Node } from "constructs";

/** What an operator chooses at deploy time (`npx cdk deploy -c key=value`); defaults fit the Free Tier. */
export interface QuotegraphSettings {
  /** RDS instance class, e.g. db.t4g.micro (Free Tier). */
  dbInstanceClass: string;
  /** Allocated storage in GiB (the Free Tier covers 20). */
  dbStorageGiB: number;
  /** Days of automated backups, 1 to 35. */
  dbBackupRetentionDays: number;
  dbMultiAz: boolean;
  dbDeletionProtection: boolean;
  /** EC2 instance type of the host, e.g. t3.micro (x86_64) or t4g.small (arm64): the image must match. */
  hostInstanceType: string;
  /** Who may reach the service's port: a CIDR such as 203.0.113.7/32, or 0.0.0.0/0 for everyone. */
  allowedCidr: string;
  /** SSH stays closed (Session Manager instead) unless an operator CIDR is given. */
  sshCidr: string | undefined;
  /** The service's HTTP port on the host. */
  servicePort: number;
  /** A registry image to run instead of the ECR repository this stack creates (e.g. ghcr.io/you/quotegraph:0.2.0). */
  image: string | undefined;
  /** Tag of the image in the stack's ECR repository. */
  imageTag: string;
  /** Name of the Secrets Manager secret (created by the operator) whose plain text is the CMC API key. */
  cmcApiKeySecretName: string;
  /** Quote currencies (CONVERT), e.g. USD,BRL. */
  convert: string;
  /** Where CPU, storage and connection alarms notify; none: alarms without actions. */
  alarmEmail: string | undefined;
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

function text(node: Node, key: string, fallback: string | undefined): string | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return fallback;
  return String(value);
}

function flag(node: Node, key: string, fallback: boolean): boolean {
  const value = text(node, key, String(fallback));
  if (value !== "true" && value !== "false") throw new Error(`context ${key} must be true or false (got "${value}")`);
  return value === "true";
}

function whole(node: Node, key: string, fallback: number, min: number, max: number): number {
  const value = Number(text(node, key, String(fallback)));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`context ${key} must be a whole number from ${min} to ${max} (got "${text(node, key, "")}")`);
  }
  return value;
}

function cidr(node: Node, key: string, fallback: string | undefined): string | undefined {
  const value = text(node, key, fallback);
  if (value !== undefined && !CIDR.test(value)) {
    throw new Error(`context ${key} must be an IPv4 CIDR such as 203.0.113.7/32 (got "${value}")`);
  }
  return value;
}

/** The settings from CDK context, each checked, with one clear message for a wrong value. */
export function readSettings(node: Node): QuotegraphSettings {
  const allowedCidr = cidr(node, "allowedCidr", undefined);
  if (allowedCidr === undefined) {
    throw new Error(
      "context allowedCidr is required: the addresses that may reach the service, e.g. -c allowedCidr=203.0.113.7/32 (your IP), or 0.0.0.0/0 for everyone",
    );
  }
  const sshCidr = cidr(node, "sshCidr", undefined);
  if (sshCidr?.endsWith("/0")) {
    throw new Error("context sshCidr must name the operator's addresses, not the whole internet (use Session Manager)");
  }
  return {
    dbInstanceClass: text(node, "dbInstanceClass", "db.t4g.micro") as string,
    dbStorageGiB: whole(node, "dbStorageGiB", 20, 20, 65536),
    dbBackupRetentionDays: whole(node, "dbBackupRetentionDays", 7, 1, 35),
    dbMultiAz: flag(node, "dbMultiAz", false),
    dbDeletionProtection: flag(node, "dbDeletionProtection", true),
    hostInstanceType: text(node, "hostInstanceType", "t3.micro") as string,
    allowedCidr,
    sshCidr,
    servicePort: whole(node, "servicePort", 4000, 1, 65535),
    image: text(node, "image", undefined),
    imageTag: text(node, "imageTag", "latest") as string,
    cmcApiKeySecretName: text(node, "cmcApiKeySecretName", "quotegraph/cmc-api-key") as string,
    convert: text(node, "convert", "USD") as string,
    alarmEmail: text(node, "alarmEmail", undefined),
  };
}
