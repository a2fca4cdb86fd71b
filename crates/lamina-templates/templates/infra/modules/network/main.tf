# Where VPC domains (`vpc = true` in lamina.toml, e.g. to reach RDS) run: an existing VPC
# (vpc_id + subnet_ids), or a new one with private subnets only. There is no NAT gateway
# (~$32/month per AZ plus traffic): functions reach AWS APIs through endpoints, by default
# the free gateway endpoints of S3 and DynamoDB and one interface endpoint, SSM (secrets),
# ~$7/month per AZ. Logs and X-Ray need none: they leave through the Lambda service.
# Every VPC domain gets its own security group, so a database can admit exactly the domains
# that use it.

# The region's standard zones by name ("us-east-1a", not Local or Wavelength Zones, which
# Lambda cannot use). No state filter: a zone that is briefly impaired must not shift the
# list and replace subnets.
data "aws_availability_zones" "available" {
  count = local.create_vpc ? 1 : 0

  filter {
    name   = "zone-name"
    values = ["${var.region}?"]
  }
}

data "aws_vpc" "existing" {
  count = local.existing ? 1 : 0

  id = var.vpc_id
}

data "aws_subnet" "existing" {
  for_each = local.existing ? toset(var.subnet_ids) : toset([])

  id = each.value
}

# Gateway endpoints go on the route tables explicitly associated with the given subnets.
data "aws_route_tables" "existing" {
  count = local.existing && length(var.gateway_endpoints) > 0 ? 1 : 0

  vpc_id = var.vpc_id

  filter {
    name   = "association.subnet-id"
    values = var.subnet_ids
  }
}

locals {
  create     = var.create
  existing   = local.create && var.vpc_id != null
  create_vpc = local.create && var.vpc_id == null

  vpc_id   = local.existing ? var.vpc_id : try(aws_vpc.this[0].id, "")
  vpc_cidr = local.existing ? try(data.aws_vpc.existing[0].cidr_block, "") : var.cidr

  subnet_ids      = local.existing ? var.subnet_ids : aws_subnet.private[*].id
  route_table_ids = local.existing ? try(data.aws_route_tables.existing[0].ids, []) : aws_route_table.private[*].id

  # An interface endpoint takes at most one subnet per AZ.
  endpoint_subnet_ids = local.existing ? [
    for az, ids in { for id, s in data.aws_subnet.existing : s.availability_zone => id... } : sort(ids)[0]
  ] : aws_subnet.private[*].id

  gateway_endpoints   = local.create ? toset(var.gateway_endpoints) : toset([])
  interface_endpoints = local.create ? toset(var.interface_endpoints) : toset([])
  security_groups     = local.create ? var.security_groups : toset([])
}

################################################################################
# A new VPC: private subnets only
################################################################################

resource "aws_vpc" "this" {
  count = local.create_vpc ? 1 : 0

  # checkov:skip=CKV2_AWS_11:Flow logs are billed per GB ingested; attach them where an audit needs them (the VPC id is an output).
  cidr_block = var.cidr
  # Interface endpoints with private DNS need both.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })
}

# The default security group admits nothing (nothing uses it).
resource "aws_default_security_group" "this" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name}-default" })
}

resource "aws_subnet" "private" {
  count = local.create_vpc ? var.az_count : 0

  vpc_id                  = aws_vpc.this[0].id
  cidr_block              = cidrsubnet(var.cidr, 4, count.index)
  availability_zone       = data.aws_availability_zones.available[0].names[count.index % length(data.aws_availability_zones.available[0].names)]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${count.index}" })
}

# No route to the internet: only the VPC itself and the gateway endpoints' prefix lists.
resource "aws_route_table" "private" {
  count = local.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name}-private" })
}

resource "aws_route_table_association" "private" {
  count = local.create_vpc ? var.az_count : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[0].id
}

################################################################################
# Endpoints
################################################################################

resource "aws_vpc_endpoint" "gateway" {
  for_each = local.gateway_endpoints

  vpc_id            = local.vpc_id
  service_name      = "com.amazonaws.${var.region}.${each.value}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.route_table_ids

  tags = merge(var.tags, { Name = "${var.name}-${each.value}" })

  lifecycle {
    precondition {
      condition     = length(local.route_table_ids) > 0
      error_message = "No route table is associated with the given subnet_ids, so a ${each.value} gateway endpoint would route nothing: associate the subnets with a route table (they use the VPC's main one), or set gateway_endpoints = []."
    }
  }
}

resource "aws_security_group" "endpoints" {
  count = length(local.interface_endpoints) > 0 ? 1 : 0

  name        = "${var.name}-endpoints"
  description = "Interface endpoints of ${var.name}: HTTPS from its functions"
  vpc_id      = local.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints" {
  for_each = length(local.interface_endpoints) > 0 ? local.security_groups : toset([])

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the ${each.value} functions"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.function[each.value].id

  tags = var.tags
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoints

  vpc_id              = local.vpc_id
  service_name        = "com.amazonaws.${var.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = merge(var.tags, { Name = "${var.name}-${each.value}" })
}

################################################################################
# One security group per VPC domain
################################################################################

resource "aws_security_group" "function" {
  for_each = local.security_groups

  # checkov:skip=CKV2_AWS_5:Attached to the domain's Lambda function (vpc_config in modules/domain_function), which checkov does not follow across modules.
  name        = "${var.name}-${each.value}"
  description = "Lambda functions of the ${each.value} domain of ${var.name}"
  vpc_id      = local.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-${each.value}", domain = each.value })
}

# Inside the VPC: databases, caches, the interface endpoints.
resource "aws_vpc_security_group_egress_rule" "vpc" {
  for_each = local.security_groups

  security_group_id = aws_security_group.function[each.value].id
  description       = "TCP to the VPC (databases, interface endpoints)"
  ip_protocol       = "tcp"
  from_port         = 0
  to_port           = 65535
  cidr_ipv4         = local.vpc_cidr

  tags = var.tags
}

# S3 and DynamoDB through their gateway endpoints.
resource "aws_vpc_security_group_egress_rule" "gateway" {
  for_each = {
    for pair in setproduct(local.security_groups, local.gateway_endpoints) : "${pair[0]}/${pair[1]}" => pair
  }

  security_group_id = aws_security_group.function[each.value[0]].id
  description       = "HTTPS to ${each.value[1]} (gateway endpoint)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.gateway[each.value[1]].prefix_list_id

  tags = var.tags
}

# An existing VPC may route to the internet (a NAT gateway): allow HTTPS out, e.g. to a
# payment provider's API. A created VPC has no such route, so it gets no such rule.
resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = local.existing ? local.security_groups : toset([])

  security_group_id = aws_security_group.function[each.value].id
  description       = "HTTPS to anywhere (through the VPC's own NAT, if it has one)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}
