# A Lambda layer version built by `lamina build`. Terraform never zips: the zip and its
# base64 sha256 come from the build manifest. A new hash publishes a new version; old
# versions are kept (skip_destroy) so functions still pinned to them keep working and a
# rollback to a previous alias version finds its layers.
resource "aws_lambda_layer_version" "this" {
  count = var.create ? 1 : 0

  layer_name  = var.layer_name
  description = var.description

  filename         = var.filename
  source_code_hash = var.source_code_hash

  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = var.compatible_architectures
  license_info             = var.license_info

  skip_destroy = true
}
