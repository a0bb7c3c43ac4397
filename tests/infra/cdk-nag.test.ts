import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../infra/constructs/nag.js';
import { OmsStack } from '../../infra/oms-stack.js';
import { functions } from '../../shared/config/functions.js';

interface ReportedViolation {
  ruleName: string;
  violatingConstructs: { constructPath: string }[];
  acknowledgedAt?: string;
  reason?: string;
}
interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: ReportedViolation[];
    suppressedViolations?: ReportedViolation[];
  }[];
}

/** The app as infra/app.ts builds it (cdk.json feature flags, AwsSolutions checks), without bundling. */
function nagApp(outdir: string, env: Environment | undefined): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    // CDK's own template linting takes most of a synth (~6 s) and is not what this checks; `cdk synth` runs it.
    builtinCloudFormationValidation: false,
  });
  new OmsStack(app, 'Oms', { env });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

// Finding ids spell ARNs differently once the region is known (`arn:aws:ssm:eu-west-1:...` instead of
// `arn:<AWS::Partition>:ssm:<AWS::Region>:...`), and `cdk synth` knows it whenever a profile is configured.
describe.each([
  { where: 'environment-agnostic', env: undefined },
  { where: 'in a known region', env: { region: 'eu-west-1' } },
])('Given the OMS stack ($where) checked by the cdk-nag AwsSolutions pack', ({ env }) => {
  let outdir: string;
  let report: ValidationReport['pluginReports'][number] | undefined;
  let synthError: unknown;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'oms-nag-'));
    try {
      // Synthesis runs the pack through CDK's validation framework, exactly as `cdk synth` does, and throws
      // when it reports errors; the report file is written either way.
      nagApp(outdir, env).synth();
    } catch (error) {
      synthError = error;
    }
    const file = join(outdir, VALIDATION_REPORT_FILE);
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
      report = parsed.pluginReports.find((p) => p.pluginName === 'AwsSolutions');
    }
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('reports no unacknowledged finding, error or warning', () => {
    expect(report, `no AwsSolutions report (synthesis error: ${String(synthError)})`).toBeDefined();
    const findings = (report?.violations ?? []).flatMap((v) =>
      v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`),
    );
    expect(findings).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('acknowledges each finding on the construct it concerns, never on the whole stack, with a reason', () => {
    const suppressed = report?.suppressedViolations ?? [];
    // The pack did run and did find what the acknowledgements are for.
    expect(suppressed.length).toBeGreaterThan(0);
    for (const violation of suppressed) {
      const at = violation.acknowledgedAt ?? '';
      expect(at.split('/').length, `${violation.ruleName} acknowledged at '${at}'`).toBeGreaterThan(2);
      for (const { constructPath } of violation.violatingConstructs) {
        expect(
          constructPath === at || constructPath.startsWith(`${at}/`),
          `${violation.ruleName} at ${constructPath}`,
        ).toBe(true);
      }
      expect(violation.reason?.length ?? 0, violation.ruleName).toBeGreaterThan(40);
    }
  });

  it('accepts unauthenticated routes only for webhooks, which verify an HMAC signature, and agent sign-in', () => {
    const webhooks = functions.filter(
      (spec) => spec.trigger.kind === 'http' && spec.trigger.path.startsWith('/webhooks/'),
    );
    // Each route construct is named after its function, e.g. `ReceiveShopifyWebhookRoute`.
    const routeIds = webhooks.map((spec) => `/Api/Routes/${pascalCase(spec.name)}Route`);
    const webhookRoutes = (report?.suppressedViolations ?? []).filter(
      (v) => v.ruleName === 'AwsSolutions-APIG4' && routeIds.some((id) => v.acknowledgedAt?.includes(id)),
    );
    const unauthenticated = (report?.suppressedViolations ?? []).filter(
      (v) => v.ruleName === 'AwsSolutions-APIG4',
    );
    expect(webhooks.length).toBeGreaterThan(0);
    expect(webhookRoutes).toHaveLength(webhooks.length);
    // The only other open route is where agents sign in, with a password.
    const signIn = unauthenticated.filter((v) => !webhookRoutes.includes(v));
    expect(signIn).toHaveLength(1);
    expect(signIn[0]?.acknowledgedAt).toContain('/Api/Routes/CreateAgentSessionRoute');
    expect(signIn[0]?.reason).toMatch(/username and password/);
    for (const route of webhookRoutes) expect(route.reason).toMatch(/HMAC signature/);
  });
});
