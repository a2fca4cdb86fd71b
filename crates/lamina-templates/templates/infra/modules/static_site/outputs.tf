output "s3_bucket_id" {
  description = "Name of the site bucket."
  value       = try(aws_s3_bucket.this[0].id, "")
}

output "s3_bucket_arn" {
  description = "ARN of the site bucket."
  value       = try(aws_s3_bucket.this[0].arn, "")
}

output "cloudfront_distribution_id" {
  description = "Id of the distribution (for invalidations)."
  value       = try(aws_cloudfront_distribution.this[0].id, "")
}

output "cloudfront_distribution_arn" {
  description = "ARN of the distribution."
  value       = try(aws_cloudfront_distribution.this[0].arn, "")
}

output "cloudfront_distribution_domain_name" {
  description = "Domain name of the distribution."
  value       = try(aws_cloudfront_distribution.this[0].domain_name, "")
}

output "url" {
  description = "HTTPS URL of the site."
  value       = try("https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this[0].domain_name}", "")
}
