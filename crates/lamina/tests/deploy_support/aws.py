"""The deploy tests' window on AWS (moto): boto3 calls printed as JSON.

    python aws.py call SERVICE METHOD '{"Param": "value"}'   one API call's response
    python aws.py inventory PREFIX                           every resource whose name has PREFIX
    python aws.py get-object BUCKET KEY                      an object's bytes, on stdout

The endpoint, credentials and CA bundle come from the environment, as for lamina itself.
"""

import json
import sys

import boto3


def client(service):
    return boto3.client(service)


def call(service, method, params):
    return getattr(client(service), method)(**params)


def inventory(prefix):
    """Names (or ARNs) of everything a stage could have left, filtered by `prefix`."""
    found = {}

    def keep(kind, names):
        names = sorted({n for n in names if n and prefix in n})
        if names:
            found[kind] = names

    lam = client("lambda")
    keep("lambda_functions", [f["FunctionName"] for f in lam.list_functions()["Functions"]])
    layers = []
    for layer in lam.list_layers()["Layers"]:
        versions = lam.list_layer_versions(LayerName=layer["LayerName"])["LayerVersions"]
        layers += [f"{layer['LayerName']}:{v['Version']}" for v in versions]
    keep("lambda_layer_versions", layers)
    keep("http_apis", [a["Name"] for a in client("apigatewayv2").get_apis()["Items"]])
    keep("user_pools", [p["Name"] for p in client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]])
    dists = client("cloudfront").list_distributions().get("DistributionList", {}).get("Items", [])
    keep("cloudfront_distributions", [d.get("Comment", "") for d in dists])
    keep("s3_buckets", [b["Name"] for b in client("s3").list_buckets()["Buckets"]])
    keep("log_groups", [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]])
    keep("iam_roles", [r["RoleName"] for r in client("iam").list_roles()["Roles"]])
    keep("sns_topics", [t["TopicArn"] for t in client("sns").list_topics()["Topics"]])
    kms = client("kms")
    keep("kms_aliases", [a["AliasName"] for a in kms.list_aliases()["Aliases"]])
    cw = client("cloudwatch")
    keep("alarms", [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]])
    keep("dashboards", [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]])
    keep("ssm_parameters", [p["Name"] for p in client("ssm").describe_parameters()["Parameters"]])
    return found


def main():
    command = sys.argv[1]
    if command == "call":
        params = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
        result = call(sys.argv[2], sys.argv[3], params)
        result.pop("ResponseMetadata", None)
        print(json.dumps(result, default=str))
    elif command == "inventory":
        print(json.dumps(inventory(sys.argv[2])))
    elif command == "get-object":
        body = client("s3").get_object(Bucket=sys.argv[2], Key=sys.argv[3])["Body"].read()
        sys.stdout.buffer.write(body)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
