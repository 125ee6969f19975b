import { execFileSync } from "node:child_process";
import path from "node:path";
import { App, aws_ec2 as ec2, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { QuotegraphStack } from "../lib/quotegraph-stack";
import { readSettings } from "../lib/settings";

// biome-ignore lint/suspicious/noExplicitAny: a synthesized template is untyped CloudFormation JSON
type Json = any;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

/** The app as bin/quotegraph.ts builds it, with cdk-nag's AwsSolutions pack, on the given context. */
function build(context: Record<string, string>) {
  const app = new App({ context });
  const stack = new QuotegraphStack(app, "Quotegraph", readSettings(app.node));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const OPERATOR = { allowedCidr: "203.0.113.7/32" };

/** Every inbound rule of the template: inline on a group or as a separate ingress resource. */
function ingressRules(resources: Resources) {
  const rules: { group: string; rule: Record<string, Json> }[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === "AWS::EC2::SecurityGroup") {
      for (const rule of resource.Properties?.SecurityGroupIngress ?? []) rules.push({ group: id, rule });
    }
    if (resource.Type === "AWS::EC2::SecurityGroupIngress") {
      const { GroupId, ...rule } = resource.Properties ?? {};
      rules.push({ group: GroupId["Fn::GetAtt"][0], rule });
    }
  }
  return rules;
}

describe("the CDK app", () => {
  it("synthesizes offline with `cdk synth`, and cdk-nag's AwsSolutions pack finds nothing unacknowledged", () => {
    const out = execFileSync(
      path.resolve(__dirname, "../node_modules/.bin/cdk"),
      ["synth", "--quiet", "--no-notices", "--no-version-reporting", "-c", "allowedCidr=203.0.113.7/32"],
      // Offline: no notices, no telemetry, no version check (each would try the network).
      {
        cwd: path.resolve(__dirname, ".."),
        encoding: "utf8",
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true", CDK_DISABLE_VERSION_CHECK: "1" },
      },
    );
    expect(out).not.toMatch(/ERROR|Synthesis finished with errors/);
    for (const context of [OPERATOR, { allowedCidr: "0.0.0.0/0", sshCidr: "198.51.100.0/24", dbMultiAz: "true" }]) {
      expect(() => build(context).app.synth()).not.toThrow();
    }
  }, 600_000);

  it("fails the synth on a finding nobody acknowledged (the check is live)", () => {
    const { app, stack } = build(OPERATOR);
    stack.hostSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432), "a careless rule");
    expect(() => app.synth()).toThrow(/AwsSolutions-EC23/);
  });

  it("lets the database accept 5432 from the host's security group and nothing else", () => {
    const { stack } = build(OPERATOR);
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const databaseGroup = stack.getLogicalId(stack.databaseSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    const hostGroup = stack.getLogicalId(stack.hostSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    expect(ingressRules(resources).filter((r) => r.group === databaseGroup)).toEqual([
      {
        group: databaseGroup,
        rule: expect.objectContaining({
          IpProtocol: "tcp",
          FromPort: 5432,
          ToPort: 5432,
          SourceSecurityGroupId: { "Fn::GetAtt": [hostGroup, "GroupId"] },
        }),
      },
    ]);
    expect(JSON.stringify(resources[databaseGroup].Properties?.SecurityGroupEgress)).toContain("255.255.255.255/32");
  });

  it("keeps the database private, encrypted, backed up, TLS-only, and its password in Secrets Manager", () => {
    const template = Template.fromStack(build({ ...OPERATOR, dbBackupRetentionDays: "14" }).stack);
    template.hasResourceProperties("AWS::RDS::DBInstance", {
      PubliclyAccessible: false,
      StorageEncrypted: true,
      BackupRetentionPeriod: 14,
      DeletionProtection: true,
      MultiAZ: false,
      DBInstanceClass: "db.t4g.micro",
      Engine: "postgres",
      EngineVersion: Match.stringLikeRegexp("^17"),
      MasterUserPassword: Match.objectLike({ "Fn::Join": Match.anyValue() }),
    });
    template.hasResourceProperties("AWS::RDS::DBParameterGroup", { Parameters: { "rds.force_ssl": "1" } });
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"quotegraph_admin"}' }),
    });
    // Its subnets are the isolated ones: no route to the internet.
    const resources = template.toJSON().Resources as Resources;
    const subnetGroup = Object.values(resources).find((r) => r.Type === "AWS::RDS::DBSubnetGroup");
    for (const subnet of subnetGroup?.Properties?.SubnetIds ?? []) expect(subnet.Ref).toMatch(/database/i);
    const routes = Object.values(resources).filter((r) => r.Type === "AWS::EC2::Route");
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(JSON.stringify(route.Properties?.RouteTableId)).not.toMatch(/database/i);
  });

  it("requires IMDSv2 and an encrypted root volume on the host", () => {
    const template = Template.fromStack(build(OPERATOR).stack);
    template.hasResourceProperties("AWS::EC2::LaunchTemplate", {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: "required" } },
    });
    template.hasResourceProperties("AWS::EC2::Instance", {
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: Match.objectLike({ Encrypted: true }) }],
    });
  });

  it("keeps SSH closed unless an operator CIDR is given, and never opens it to the internet", () => {
    const port22 = (context: Record<string, string>) =>
      ingressRules(Template.fromStack(build(context).stack).toJSON().Resources as Resources)
        .map((r) => r.rule)
        .filter((rule) => rule.FromPort <= 22 && rule.ToPort >= 22);
    expect(port22(OPERATOR)).toEqual([]);
    expect(port22({ ...OPERATOR, sshCidr: "198.51.100.0/24" })).toEqual([
      expect.objectContaining({ CidrIp: "198.51.100.0/24", FromPort: 22, ToPort: 22 }),
    ]);
    expect(() => build({ ...OPERATOR, sshCidr: "0.0.0.0/0" })).toThrow(
      "context sshCidr must name the operator's addresses, not the whole internet (use Session Manager)",
    );
    const service = ingressRules(Template.fromStack(build(OPERATOR).stack).toJSON().Resources as Resources).filter(
      (r) => r.rule.CidrIp !== undefined,
    );
    expect(service.map((r) => r.rule)).toEqual([
      expect.objectContaining({ CidrIp: "203.0.113.7/32", FromPort: 4000, ToPort: 4000 }),
    ]);
  });

  it("lets the host's role read its two secrets and no other", () => {
    const { stack } = build(OPERATOR);
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const statements = Object.values(resources)
      .filter((r) => r.Type === "AWS::IAM::Policy")
      .flatMap((r) => r.Properties?.PolicyDocument.Statement as Record<string, Json>[]);
    const secretReads = statements.filter((s) => [s.Action].flat().includes("secretsmanager:GetSecretValue"));
    const resourcesRead = secretReads.flatMap((s) => [s.Resource].flat());
    expect(resourcesRead).toHaveLength(2);
    expect(JSON.stringify(resourcesRead)).not.toContain('"*"');
    expect(JSON.stringify(resourcesRead)).toContain("secret:quotegraph/cmc-api-key-??????");
    expect(resourcesRead.some((r) => typeof r.Ref === "string" && /DatabaseSecret/.test(r.Ref))).toBe(true);
    for (const statement of statements) {
      if (statement.Resource === "*") expect([statement.Action].flat()).toEqual(["ecr:GetAuthorizationToken"]);
    }
  });

  it("alarms on host CPU and database CPU, free storage and connections, and outputs the service URL and the database endpoint", () => {
    const template = Template.fromStack(build({ ...OPERATOR, alarmEmail: "ops@example.com" }).stack);
    const alarms = Object.values(template.toJSON().Resources as Resources).filter(
      (r) => r.Type === "AWS::CloudWatch::Alarm",
    );
    expect(alarms.map((a) => `${a.Properties?.Namespace}/${a.Properties?.MetricName}`).sort()).toEqual([
      "AWS/EC2/CPUUtilization",
      "AWS/RDS/CPUUtilization",
      "AWS/RDS/DatabaseConnections",
      "AWS/RDS/FreeStorageSpace",
    ]);
    for (const alarm of alarms) expect(alarm.Properties?.AlarmActions).toHaveLength(1);
    template.hasOutput("ServiceUrl", {});
    template.hasOutput("DatabaseEndpoint", {});
  });

  it("replaces the host, not the database, when the image changes (user data runs on first boot only)", () => {
    const logicalIds = (imageTag: string) => {
      const resources = Template.fromStack(build({ ...OPERATOR, imageTag }).stack).toJSON().Resources as Resources;
      const ofType = (type: string) => Object.keys(resources).filter((id) => resources[id]?.Type === type);
      return { host: ofType("AWS::EC2::Instance"), database: ofType("AWS::RDS::DBInstance") };
    };
    const first = logicalIds("v0.1.0");
    expect(logicalIds("v0.1.0")).toEqual(first);
    const next = logicalIds("v0.2.0");
    expect(next.database).toEqual(first.database);
    expect(next.host).toHaveLength(1);
    expect(next.host).not.toEqual(first.host);
  });

  it("refuses a missing or malformed setting with one line naming it", () => {
    expect(() => build({})).toThrow(/^context allowedCidr is required/);
    expect(() => build({ ...OPERATOR, dbMultiAz: "yes" })).toThrow(
      'context dbMultiAz must be true or false (got "yes")',
    );
    expect(() => build({ allowedCidr: "my laptop" })).toThrow(
      'context allowedCidr must be an IPv4 CIDR such as 203.0.113.7/32 (got "my laptop")',
    );
  });
});
