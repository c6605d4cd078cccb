import logging

from kindline.core.logs import PiiFilter, mask_text


def test_log_lines_are_masked():
    line = 'GET /api/v1/customers?phone=13812345678&id_number=11010519491231002X HTTP/1.1" 200'
    assert mask_text(line) == 'GET /api/v1/customers?phone=138****5678&id_number=110105********002X HTTP/1.1" 200'
    assert mask_text("order 12345 took 20260101 ms") == "order 12345 took 20260101 ms"


def test_filter_rewrites_records(caplog):
    logger = logging.getLogger("kindline.test")
    logger.addFilter(PiiFilter())
    with caplog.at_level(logging.INFO, logger="kindline.test"):
        logger.info("caller %s", "13912345678")
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text
