"""All aiortc code: the media host relays live tracks between participants and never stores them."""
