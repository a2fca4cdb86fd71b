output "vpc_id" {
  description = "Id of the VPC (created or given)."
  value       = local.create ? local.vpc_id : ""
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = local.create ? local.vpc_cidr : ""
}

output "subnet_ids" {
  description = "Private subnets the functions run in."
  value       = local.create ? local.subnet_ids : []
}

output "route_table_ids" {
  description = "Route tables the gateway endpoints are attached to."
  value       = local.create ? local.route_table_ids : []
}

output "security_group_ids" {
  description = "Map of domain to the id of its functions' security group."
  value       = { for d, sg in aws_security_group.function : d => sg.id }
}

output "endpoint_ids" {
  description = "Map of service to the id of its VPC endpoint."
  value = merge(
    { for s, e in aws_vpc_endpoint.gateway : s => e.id },
    { for s, e in aws_vpc_endpoint.interface : s => e.id },
  )
}
