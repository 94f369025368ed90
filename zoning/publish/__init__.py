"""Publishing the zone layers for the public: XYZ GeoJSON tiles (``zone_tiles``) and the
public map as a static site (``mapexport``)."""
