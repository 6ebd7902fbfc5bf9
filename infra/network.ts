// The VPC and which of its subnets the load balancer and the tasks use: a new
// VPC over two availability zones, or an existing one given by ID. No context
// lookup: the stack synthesizes offline, in any account.
import { Fn, Validations } from 'aws-cdk-lib';
import { IpAddresses, Subnet, SubnetType, Vpc, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { ExistingVpc, TaskSubnets } from './options.ts';

export interface NetworkProps {
  readonly existingVpc: ExistingVpc | undefined;
  readonly taskSubnets: TaskSubnets;
}

// The cost trade-off of taskSubnets (docs/deploy.md: "Cost: NAT gateway or public subnets"):
// - private: no public address; AWS APIs through one NAT gateway (about 33 USD
//   a month plus traffic). One, not one per zone: if its zone fails, tasks in
//   the other zone keep serving but new ones cannot pull images until it is back.
// - public: a public IP per task and no NAT gateway; the task security group
//   still admits only the load balancer.
export class Network extends Construct {
  readonly vpc: IVpc;
  readonly loadBalancerSubnets: SubnetSelection;
  readonly taskSubnets: SubnetSelection;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const privateTasks = props.taskSubnets === 'private';

    if (props.existingVpc === undefined) {
      const vpc = new Vpc(this, 'Vpc', {
        ipAddresses: IpAddresses.cidr('10.0.0.0/16'),
        maxAzs: 2,
        natGateways: privateTasks ? 1 : 0,
        subnetConfiguration: [
          { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
          ...(privateTasks ? [{ name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 }] : []),
        ],
        // The VPC's default security group admits nothing: only the groups below are used.
        restrictDefaultSecurityGroup: true,
      });
      // aws-cdk-lib's types predate exactOptionalPropertyTypes (tsconfig.json): a Vpc is an IVpc.
      this.vpc = vpc as IVpc;
      Validations.of(vpc).acknowledge({
        id: 'AwsSolutions::AwsSolutions-VPC7',
        reason: 'No flow log: it costs per GB and the services log every request; add vpc.addFlowLog() to debug the network',
      });
      this.loadBalancerSubnets = { subnetType: SubnetType.PUBLIC };
      this.taskSubnets = { subnetType: privateTasks ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PUBLIC };
      return;
    }

    const { vpcId, publicSubnetIds, privateSubnetIds } = props.existingVpc;
    // Only the ID is used (security groups, target group); the subnets are given by ID below.
    this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId, availabilityZones: Fn.getAzs() });
    const subnets = (ids: readonly string[]) => ({ subnets: ids.map((subnetId) => Subnet.fromSubnetId(this, subnetId, subnetId)) });
    this.loadBalancerSubnets = subnets(publicSubnetIds);
    this.taskSubnets = privateTasks ? subnets(privateSubnetIds) : this.loadBalancerSubnets;
    Validations.of(this).acknowledge(
      { id: 'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones', reason: 'Only the VPC ID is used: the subnets are given by ID' },
      { id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId', reason: "Nothing in the stack reads the subnets' route tables" },
    );
  }
}
