import { badUserInput } from '@lattice/platform';
import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../context';
import { policy } from '../policy';
import { metricEventToMetricPoint, toMetricPoint } from '../schema/map';
import { MetricBucket, MetricPoint } from '../schema/metric-point.type';
import { isMetricName, RecordMetricInput } from '../schema/record-metric.input';
import { metricSeries, metricTopic, recordMetric, type MetricEvent } from '../services/metric.service';

@Resolver(() => MetricPoint)
export class MetricResolver {
  @Authorized('metrics:write')
  @Mutation(() => MetricPoint, { description: 'Record one point in the active organization (MEMBER or higher).' })
  async recordMetric(@Arg('input') input: RecordMetricInput, @Ctx() ctx: Context): Promise<MetricPoint> {
    return toMetricPoint(await recordMetric(ctx.scope, input));
  }

  @Query(() => [MetricBucket], { description: 'Buckets of bucketSeconds aligned to from, covering [from, to), empty ones included.' })
  metricSeries(
    @Arg('name') name: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Arg('bucketSeconds', () => Int) bucketSeconds: number,
    @Ctx() ctx: Context,
  ): Promise<MetricBucket[]> {
    return metricSeries(ctx.scope, name, { from, to, bucketSeconds });
  }

  @Subscription(() => MetricPoint, {
    description: "Points with exactly this name, recorded in the subscriber's active organization.",
    subscribe: ({ args, context }) => {
      const { org } = policy.authorizeOrg((context as Context).principal, 'metrics:read');
      if (!isMetricName(args.name)) throw badUserInput([{ path: ['name'], message: 'is not a valid metric name' }]);
      return (context as Context).pubsub.iterate<MetricEvent>(metricTopic(org, args.name));
    },
  })
  metricRecorded(@Root() event: MetricEvent, @Arg('name') _name: string): MetricPoint {
    return metricEventToMetricPoint(event);
  }
}
