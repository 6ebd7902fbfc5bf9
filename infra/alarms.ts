// CloudWatch alarms on what users notice: errors, slow answers, tasks the load
// balancer gave up on, a service out of CPU or memory. They are also the
// service's deployment alarms: a deployment that trips one is rolled back.
// They have no actions; add an SNS topic (alarm.addAlarmAction) to be paged.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmBehavior, type FargateService } from 'aws-cdk-lib/aws-ecs';
import { HttpCodeTarget, type ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** Prefixes the alarms' names, which must be known before the service exists. */
  readonly name: string;
  readonly service: FargateService;
  readonly targetGroup: ApplicationTargetGroup;
}

const MINUTE = Duration.minutes(1);

export class Alarms extends Construct {
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { metrics } = props.targetGroup;

    // Three minutes in a row: one slow minute during a deployment is not an incident.
    const names: string[] = [];
    const alarm = (suffix: string, description: string, metric: IMetric, threshold: number) => {
      const alarmName = `${props.name}-${suffix}`;
      names.push(alarmName);
      return new Alarm(this, suffix, {
        alarmName,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        // No requests is not an error.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    };

    const errorRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum', period: MINUTE }),
        requests: metrics.requestCount({ statistic: 'Sum', period: MINUTE }),
      },
      label: 'Target 5xx (% of requests)',
      period: MINUTE,
    });

    this.alarms = [
      alarm('target-5xx-rate', '5% or more of the requests answered 5xx by the tasks', errorRate, 5),
      // The frontend gives up on the backend after 2 s (BACKEND_TIMEOUT_MS): a p99 of 1 s is near it.
      alarm('target-p99-response-time', 'p99 target response time of 1 s or more', metrics.targetResponseTime({ statistic: 'p99', period: MINUTE }), 1),
      alarm('unhealthy-targets', 'A task fails the load balancer\'s /health/ready check', metrics.unhealthyHostCount({ statistic: 'Maximum', period: MINUTE }), 1),
      alarm('service-cpu', 'Service CPU at 90% or more (auto scaling aims at 60%)', props.service.metricCpuUtilization({ period: MINUTE }), 90),
      alarm('service-memory', 'Service memory at 90% or more', props.service.metricMemoryUtilization({ period: MINUTE }), 90),
    ];

    // By name: the service cannot refer to the alarms' resources, which refer to it.
    props.service.enableDeploymentAlarms(names, { behavior: AlarmBehavior.ROLLBACK_ON_ALARM });
  }
}
