import {
  Aws,
  CfnOutput,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  Duration,
  aws_ec2 as ec2,
  aws_ecr as ecr,
  aws_iam as iam,
  aws_logs as logs,
  RemovalPolicy,
  aws_rds as rds,
  Stack,
  type StackProps,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  Validations,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { bootstrapCommands } from "./host-bootstrap";
import type { QuotegraphSettings } from "./settings";

const DATABASE_NAME = "quotegraph";

/**
 * docs/deploy-aws.md as code: a VPC over two AZs, RDS for PostgreSQL in isolated subnets reachable
 * only from the host's security group, and one EC2 host running the service's image.
 */
export class QuotegraphStack extends Stack {
  readonly hostSecurityGroup: ec2.SecurityGroup;
  readonly databaseSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, settings: QuotegraphSettings, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, "Network", {
      maxAzs: 2,
      // No NAT gateway (it costs more than the rest): the host sits in a public subnet, the database
      // in isolated ones with no route to the internet at all.
      natGateways: 0,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "database", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, "FlowLogs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog("Rejected", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    this.hostSecurityGroup = new ec2.SecurityGroup(this, "HostSecurityGroup", {
      vpc,
      description: "quotegraph host: the service port from the allowed CIDR; SSH only from an operator CIDR",
      allowAllOutbound: true,
    });
    this.hostSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(settings.allowedCidr),
      ec2.Port.tcp(settings.servicePort),
      "quotegraph GraphQL API and dashboard",
    );
    if (settings.sshCidr) {
      this.hostSecurityGroup.addIngressRule(ec2.Peer.ipv4(settings.sshCidr), ec2.Port.tcp(22), "SSH from the operator");
    }
    this.databaseSecurityGroup = new ec2.SecurityGroup(this, "DatabaseSecurityGroup", {
      vpc,
      description: "quotegraph database: PostgreSQL from the host security group only",
      allowAllOutbound: false,
    });
    this.databaseSecurityGroup.addIngressRule(
      this.hostSecurityGroup,
      ec2.Port.tcp(5432),
      "PostgreSQL from the quotegraph host",
    );

    const parameters = new rds.ParameterGroup(this, "DatabaseParameters", {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      parameters: { "rds.force_ssl": "1" },
    });
    const database = new rds.DatabaseInstance(this, "Database", {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(settings.dbInstanceClass.replace(/^db\./, "")),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.databaseSecurityGroup],
      publiclyAccessible: false,
      storageEncrypted: true,
      allocatedStorage: settings.dbStorageGiB,
      storageType: rds.StorageType.GP3,
      multiAz: settings.dbMultiAz,
      deletionProtection: settings.dbDeletionProtection,
      backupRetention: Duration.days(settings.dbBackupRetentionDays),
      // A stack deleted with deletion protection off still leaves a final snapshot of the data.
      removalPolicy: RemovalPolicy.SNAPSHOT,
      credentials: rds.Credentials.fromGeneratedSecret("quotegraph_admin"),
      databaseName: DATABASE_NAME,
      parameterGroup: parameters,
      autoMinorVersionUpgrade: true,
      instanceIdentifier: DATABASE_NAME,
      cloudwatchLogsExports: ["postgresql"],
    });
    // The log group RDS exports to, made here with its retention (cloudwatchLogsRetention would add a Lambda).
    new logs.LogGroup(this, "DatabaseLogs", {
      logGroupName: `/aws/rds/instance/${DATABASE_NAME}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const databaseSecret = database.secret as secretsmanager.ISecret;
    const cmcApiKey = secretsmanager.Secret.fromSecretNameV2(this, "CmcApiKey", settings.cmcApiKeySecretName);

    const serviceLogs = new logs.LogGroup(this, "ServiceLogs", {
      logGroupName: "/quotegraph/service",
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const repository = settings.image
      ? undefined
      : new ecr.Repository(this, "Images", {
          repositoryName: "quotegraph",
          imageScanOnPush: true,
          imageTagMutability: ecr.TagMutability.MUTABLE,
          lifecycleRules: [{ maxImageCount: 10, description: "keep the last ten images" }],
          removalPolicy: RemovalPolicy.RETAIN,
        });

    const role = new iam.Role(this, "HostRole", {
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description: "quotegraph host: Session Manager, its two secrets, its image and its logs",
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
    });
    databaseSecret.grantRead(role);
    cmcApiKey.grantRead(role);
    repository?.grantPull(role);
    serviceLogs.grantWrite(role);

    const instanceType = new ec2.InstanceType(settings.hostInstanceType);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      ...bootstrapCommands({
        region: Aws.REGION,
        dbSecretArn: databaseSecret.secretArn,
        cmcApiKeySecretName: settings.cmcApiKeySecretName,
        image: settings.image ?? `${repository?.repositoryUri}:${settings.imageTag}`,
        ecrRegistry: repository ? `${Aws.ACCOUNT_ID}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}` : undefined,
        logGroupName: serviceLogs.logGroupName,
        servicePort: settings.servicePort,
        convert: settings.convert,
      }),
    );
    const host = new ec2.Instance(this, "Host", {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      instanceType,
      machineImage: ec2.MachineImage.latestAmazonLinux2023({
        cpuType:
          instanceType.architecture === ec2.InstanceArchitecture.ARM_64
            ? ec2.AmazonLinuxCpuType.ARM_64
            : ec2.AmazonLinuxCpuType.X86_64,
      }),
      securityGroup: this.hostSecurityGroup,
      role,
      userData,
      // User data runs on an instance's first boot only: a new image (or any other boot setting) must
      // come with a new host, or `cdk deploy -c imageTag=...` would restart the old container.
      userDataCausesReplacement: true,
      requireImdsv2: true,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: ec2.BlockDeviceVolume.ebs(16, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
    host.node.addDependency(database);

    const topic = settings.alarmEmail ? new sns.Topic(this, "Alarms", { enforceSSL: true }) : undefined;
    if (topic && settings.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      comparison: cloudwatch.ComparisonOperator,
    ) => {
      const made = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
      if (topic) made.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    };
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    alarm(
      "HostCpu",
      new cloudwatch.Metric({
        namespace: "AWS/EC2",
        metricName: "CPUUtilization",
        dimensionsMap: { InstanceId: host.instanceId },
        period: Duration.minutes(5),
      }),
      80,
      above,
    );
    alarm("DatabaseCpu", database.metricCPUUtilization({ period: Duration.minutes(5) }), 80, above);
    alarm(
      "DatabaseFreeStorage",
      database.metricFreeStorageSpace({ period: Duration.minutes(5) }),
      2 * 1024 ** 3,
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    alarm("DatabaseConnections", database.metricDatabaseConnections({ period: Duration.minutes(5) }), 60, above);

    new CfnOutput(this, "ServiceUrl", {
      description: "The dashboard; the API is at /graphql",
      value: `http://${host.instancePublicDnsName}:${settings.servicePort}/`,
    });
    new CfnOutput(this, "DatabaseEndpoint", { value: database.dbInstanceEndpointAddress });
    new CfnOutput(this, "DatabaseSecretArn", { value: databaseSecret.secretArn });
    new CfnOutput(this, "HostInstanceId", {
      description: "For Session Manager: aws ssm start-session --target <id>",
      value: host.instanceId,
    });
    if (repository) new CfnOutput(this, "ImageRepositoryUri", { value: repository.repositoryUri });

    // cdk-nag's AwsSolutions findings this design accepts, each with its reason.
    const accept = (scope: Construct, rule: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
    accept(
      role,
      "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
      "AWS's maintained policy for Session Manager, which replaces SSH on this host",
    );
    accept(
      role,
      "IAM5[Resource::*]",
      "ecr:GetAuthorizationToken has no resource-level permission (AWS requires *); every other grant names this stack's secret, repository and log group",
    );
    accept(
      database,
      "SMG4",
      "the service reads DB_PASS at boot; a rotated password needs the container restarted (docs/deploy-aws.md), so rotation is an operator's step, not an unattended one",
    );
    accept(
      database,
      "RDS11",
      "5432 is reachable only from the host's security group; another port would hide nothing from it",
    );
    if (!settings.dbMultiAz) {
      accept(
        database,
        "RDS3",
        "single-AZ by default to stay within the Free Tier; -c dbMultiAz=true turns Multi-AZ on",
      );
    }
    accept(
      host,
      "EC29",
      "one stateless host by design (the lesson's architecture): its data lives in RDS, and termination protection would block cdk destroy",
    );
    if (settings.allowedCidr === "0.0.0.0/0") {
      accept(this.hostSecurityGroup, "EC23", "the operator chose a public service (-c allowedCidr=0.0.0.0/0)");
    }
  }
}
