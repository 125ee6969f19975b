/** What the host's first boot needs to know; every value is a plain string or a CloudFormation token. */
export interface BootstrapInput {
  region: string;
  /** ARN of the RDS-generated secret (host, port, username, password, dbname). */
  dbSecretArn: string;
  cmcApiKeySecretName: string;
  image: string;
  /** The ECR registry to log in to; undefined for a public or other registry image. */
  ecrRegistry: string | undefined;
  logGroupName: string;
  servicePort: number;
  convert: string;
}

/**
 * The user data of docs/deploy-aws.md's manual path, as one script: Docker, the RDS CA bundle, the
 * secrets into a root-only environment file, and the container with a restart policy and its logs in
 * CloudWatch. Secrets are read at boot through the instance role; none is written into the template.
 */
export function bootstrapCommands(input: BootstrapInput): string[] {
  const login = input.ecrRegistry
    ? [
        `aws ecr get-login-password --region ${input.region} | docker login --username AWS --password-stdin ${input.ecrRegistry}`,
      ]
    : [];
  return [
    "set -euo pipefail",
    "dnf install -y docker",
    "systemctl enable --now docker",
    "install -d -m 755 /opt/quotegraph/certs",
    "curl -fsSL https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem -o /opt/quotegraph/certs/global-bundle.pem",
    `DB_SECRET=$(aws secretsmanager get-secret-value --region ${input.region} --secret-id ${input.dbSecretArn} --query SecretString --output text)`,
    `CMC_API_KEY=$(aws secretsmanager get-secret-value --region ${input.region} --secret-id ${input.cmcApiKeySecretName} --query SecretString --output text)`,
    "export DB_SECRET CMC_API_KEY",
    "umask 077",
    // python3 ships with Amazon Linux 2023; it turns the secret's JSON into KEY=value lines.
    [
      "python3 - > /opt/quotegraph/env <<'PY'",
      "import json, os",
      'db = json.loads(os.environ["DB_SECRET"])',
      "print(f\"DB_HOST={db['host']}\")",
      "print(f\"DB_PORT={db['port']}\")",
      "print(f\"DB_USER={db['username']}\")",
      "print(f\"DB_PASS={db['password']}\")",
      "print(f\"DB_NAME={db.get('dbname', 'quotegraph')}\")",
      "print(f\"CMC_API_KEY={os.environ['CMC_API_KEY'].strip()}\")",
      "PY",
    ].join("\n"),
    `cat >> /opt/quotegraph/env <<'ENV'\nDB_SSL=verify-full\nDB_SSL_CA=/certs/global-bundle.pem\nNODE_ENV=production\nPORT=${input.servicePort}\nCONVERT=${input.convert}\nENV`,
    "unset DB_SECRET CMC_API_KEY",
    ...login,
    [
      "docker run -d --name quotegraph --restart unless-stopped",
      "--env-file /opt/quotegraph/env",
      `-p ${input.servicePort}:${input.servicePort}`,
      "-v /opt/quotegraph/certs:/certs:ro",
      "--log-driver awslogs",
      `--log-opt awslogs-region=${input.region}`,
      `--log-opt awslogs-group=${input.logGroupName}`,
      input.image,
    ].join(" "),
  ];
}
