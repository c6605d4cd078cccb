"""Usage rating: voice, SMS and data records rated against pooled allowances."""
