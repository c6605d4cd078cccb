"""The product catalog: plans, add-ons, channels, equipment and cards, versioned by date."""
