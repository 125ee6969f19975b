import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { QuotegraphStack } from "../lib/quotegraph-stack";
import { readSettings } from "../lib/settings";

const app = new App();
// The account and region come from the deploying credentials (no lookups: synth works offline).
new QuotegraphStack(app, "Quotegraph", readSettings(app.node), {
  description: "quotegraph: EC2 host + RDS for PostgreSQL (docs/deploy-aws.md)",
});
// Every synth is checked: an unsuppressed AwsSolutions error fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
