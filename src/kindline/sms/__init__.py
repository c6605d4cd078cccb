"""The SMS business hall (10001 短信营业厅): command parser, dispatch to the domain services, gateway drivers."""
