"""Seed the emulator through boto3 with one compliant and one non-compliant resource of each covered
type (plus a bucket in a second region). Returns the ids the emulator assigned."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3

ASSUME_EC2 = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
DENY_HTTP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::compliant-bucket/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
OTHER_CANONICAL_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def seed(url: str) -> dict[str, Any]:
    def client(service: str, region: str = "us-east-1"):
        return boto3.client(service, region_name=region, endpoint_url=url)

    ids: dict[str, Any] = {}

    # --- S3 -------------------------------------------------------------------------------
    s3 = client("s3")
    s3.create_bucket(Bucket="log-bucket")
    owner = s3.get_bucket_acl(Bucket="log-bucket")["Owner"]
    ids["s3_owner"] = owner
    s3.put_bucket_acl(
        Bucket="log-bucket",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"},
                {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "READ_ACP"},
            ],
        },
    )
    s3.create_bucket(Bucket="compliant-bucket")
    s3.put_bucket_versioning(Bucket="compliant-bucket", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket="compliant-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "arn:aws:kms:us-east-1:123456789012:key/bucket-key",
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket="compliant-bucket",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_logging(
        Bucket="compliant-bucket",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "log-bucket", "TargetPrefix": "compliant/"}},
    )
    s3.put_bucket_tagging(
        Bucket="compliant-bucket",
        Tagging={"TagSet": [{"Key": "owner", "Value": "team-a"}, {"Key": "env", "Value": "prod"}]},
    )
    s3.put_bucket_policy(Bucket="compliant-bucket", Policy=json.dumps(DENY_HTTP))
    s3.create_bucket(Bucket="public-bucket")
    s3.put_bucket_acl(Bucket="public-bucket", ACL="public-read")
    s3.create_bucket(Bucket="shared-bucket")
    s3.put_bucket_acl(
        Bucket="shared-bucket",
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": OTHER_CANONICAL_ID}, "Permission": "READ"},
            ],
        },
    )
    west = client("s3", "us-west-2")
    west.create_bucket(Bucket="west-bucket", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    west.put_bucket_versioning(Bucket="west-bucket", VersioningConfiguration={"Status": "Suspended"})

    # --- EC2: network, security groups, instance, volumes -----------------------------------
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[_tags("vpc", Name="main")])["Vpc"][
        "VpcId"
    ]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(
        VpcId=vpc,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone="us-east-1a",
        TagSpecifications=[_tags("subnet", Name="public-a")],
    )["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
            },
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    open_ssh = ec2.create_security_group(
        GroupName="open-ssh",
        Description="bad",
        VpcId=vpc,
        TagSpecifications=[_tags("security-group", team="ops")],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=open_ssh,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": open_ssh}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]},
        ],
    )
    ec2.revoke_security_group_egress(
        GroupId=open_ssh, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ami = ec2.describe_images()["Images"][0]
    instance = ec2.run_instances(
        ImageId=ami["ImageId"],
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        SubnetId=subnet,
        SecurityGroupIds=[web],
        BlockDeviceMappings=[
            {
                "DeviceName": ami["RootDeviceName"],
                "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True},
            }
        ],
        MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
        TagSpecifications=[_tags("instance", Name="web-1", env="prod")],
    )["Instances"][0]
    ids["root_device"] = ami["RootDeviceName"]
    encrypted_volume = ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=10,
        VolumeType="gp3",
        Encrypted=True,
        TagSpecifications=[_tags("volume", Name="data")],
    )["VolumeId"]
    plain_volume = ec2.create_volume(AvailabilityZone="us-east-1b", Size=5, VolumeType="gp2")["VolumeId"]
    ids.update(vpc=vpc, subnet=subnet, web=web, open_ssh=open_ssh, instance=instance["InstanceId"])
    ids.update(encrypted_volume=encrypted_volume, plain_volume=plain_volume, ami=ami["ImageId"])
    ids["instance_private_ip"] = instance["PrivateIpAddress"]

    # --- RDS ----------------------------------------------------------------------------------
    rds = client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password",
        StorageEncrypted=True,
        PubliclyAccessible=False,
        BackupRetentionPeriod=7,
        DeletionProtection=True,
        VpcSecurityGroupIds=[web],
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    rds.create_db_instance(
        DBInstanceIdentifier="legacy-db",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        AllocatedStorage=10,
        MasterUsername="root_user",
        MasterUserPassword="not-a-real-password",
        StorageEncrypted=False,
        PubliclyAccessible=True,
        BackupRetentionPeriod=0,
    )

    # --- IAM ----------------------------------------------------------------------------------
    iam = client("iam")
    iam.create_user(UserName="alice", Path="/people/", Tags=[{"Key": "team", "Value": "a"}])
    iam.create_role(
        RoleName="app-role",
        AssumeRolePolicyDocument=json.dumps(ASSUME_EC2),
        Description="app",
        MaxSessionDuration=7200,
    )
    iam.put_role_policy(RoleName="app-role", PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
    policy_arn = iam.create_policy(
        PolicyName="read-only-custom", PolicyDocument=json.dumps(READ_ONLY), Description="reads objects"
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="app-role", PolicyArn=policy_arn)
    ids["policy_arn"] = policy_arn
    ids["role_arn"] = iam.get_role(RoleName="app-role")["Role"]["Arn"]

    # --- KMS ----------------------------------------------------------------------------------
    kms = client("kms")
    rotating = kms.create_key(Description="rotating key", Tags=[{"TagKey": "env", "TagValue": "prod"}])[
        "KeyMetadata"
    ]
    kms.enable_key_rotation(KeyId=rotating["KeyId"])
    static = kms.create_key(Description="static key")["KeyMetadata"]
    ids.update(rotating_key=rotating["KeyId"], static_key=static["KeyId"], rotating_key_arn=rotating["Arn"])

    # --- Lambda -------------------------------------------------------------------------------
    lam = client("lambda")
    fn = lam.create_function(
        FunctionName="api",
        Runtime="python3.12",
        Role=ids["role_arn"],
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Timeout=30,
        MemorySize=256,
        Environment={"Variables": {"STAGE": "prod", "DB_PASSWORD": "hunter2"}},
        TracingConfig={"Mode": "Active"},
        Tags={"team": "api"},
    )
    ids["function_arn"] = fn["FunctionArn"]

    # --- DynamoDB -------------------------------------------------------------------------------
    ddb = client("dynamodb")
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": rotating["Arn"]},
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    ddb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.update_time_to_live(
        TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    ddb.create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "sid", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sid", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )

    # --- CloudTrail -----------------------------------------------------------------------------
    trail = client("cloudtrail")
    trail.create_trail(
        Name="org-trail", S3BucketName="log-bucket", IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    trail.start_logging(Name="org-trail")
    trail.create_trail(Name="local-trail", S3BucketName="log-bucket")

    # --- EKS ----------------------------------------------------------------------------------
    eks = client("eks")
    eks.create_cluster(
        name="prod",
        roleArn=ids["role_arn"],
        version="1.30",
        resourcesVpcConfig={
            "subnetIds": [subnet],
            "securityGroupIds": [web],
            "endpointPublicAccess": False,
            "endpointPrivateAccess": True,
        },
        logging={"clusterLogging": [{"types": ["audit", "api"], "enabled": True}]},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": rotating["Arn"]}}],
        tags={"env": "prod"},
    )

    # --- ECR ----------------------------------------------------------------------------------
    ecr = client("ecr")
    ecr.create_repository(
        repositoryName="app",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        tags=[{"Key": "team", "Value": "api"}],
    )
    ecr.create_repository(repositoryName="legacy")
    return ids


def _tags(resource_type: str, **tags: str) -> dict[str, Any]:
    return {"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
