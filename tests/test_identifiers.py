"""arXiv ids and DOIs read from links: every paper URL of the embedded list, and edge cases."""

import pytest

from rsbib.lists.parse import embedded_list_text, parse
from rsbib.metadata.identifiers import (
    LinkInfo,
    is_arxiv_doi,
    normalize_arxiv_id,
    normalize_doi,
    publication_doi,
    read_link,
)

ARXIV_IDS = ["2204.05381", "2304.05215", "2211.15660", "2302.04476", "2212.14532", "2303.06670", "2311.00566", "2309.05300", "2304.14065", "2310.00022", "2310.18653", "2310.18660", "2309.09003", "2309.07207", "2312.02199", "2312.10114", "2312.16385", "2311.15153", "2401.04614", "2401.05093", "2401.07527", "2311.07113", "2312.10115", "2307.15266", "2306.11029", "2311.15826", "2311.14656", "2401.09083", "2401.09712", "2401.16822", "2312.03606", "2308.16648", "2305.01118", "2309.16020", "2311.17179", "2305.13456", "2306.03831", "2401.04464", "1906.07789", "2211.07044", "2306.09424", "2306.11300", "2312.12856", "2402.11325", "2305.05726", "2304.13009", "2312.17016"]

# Every paper link of the embedded list that is not on arxiv.org, with what it tells.
OTHER_LINKS = {
    "https://ieeexplore.ieee.org/abstract/document/9559903": LinkInfo("ieee"),
    "https://openaccess.thecvf.com/content/CVPR2021W/EarthVision/html/Stojnic_Self-Supervised_Learning_of_Remote_Sensing_Scene_Representations_Using_Contrastive_Multiview_CVPRW_2021_paper.html": LinkInfo("cvf"),
    "https://openaccess.thecvf.com/content/ICCV2021/html/Ayush_Geography-Aware_Self-Supervised_Learning_ICCV_2021_paper.html": LinkInfo("cvf"),
    "https://openaccess.thecvf.com/content/ICCV2021/html/Manas_Seasonal_Contrast_Unsupervised_Pre-Training_From_Uncurated_Remote_Sensing_Data_ICCV_2021_paper.html": LinkInfo("cvf"),
    "https://proceedings.neurips.cc/paper_files/paper/2022/hash/01c561df365429f33fcd7a7faa44c985-Abstract-Conference.html": LinkInfo("neurips"),
    "https://ieeexplore.ieee.org/abstract/document/9880533": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/9869651": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/9844015": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/9956816": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/9782149": LinkInfo("ieee"),
    "https://openaccess.thecvf.com/content/CVPR2022/html/Akiva_Self-Supervised_Material_and_Texture_Representation_Learning_for_Remote_Sensing_Tasks_CVPR_2022_paper.html": LinkInfo("cvf"),
    "https://www.mdpi.com/2072-4292/14/22/5675#": LinkInfo("mdpi", doi="10.3390/rs14225675"),
    "https://openaccess.thecvf.com/content/CVPR2022W/EarthVision/html/Scheibenreif_Self-Supervised_Vision_Transformers_for_Land-Cover_Segmentation_and_Classification_CVPRW_2022_paper.html": LinkInfo("cvf"),
    "https://ieeexplore.ieee.org/abstract/document/10110958": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/10105625": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/10254320": LinkInfo("ieee"),
    "https://openaccess.thecvf.com/content/CVPR2023W/EarthVision/html/Prexl_Multi-Modal_Multi-Objective_Contrastive_Learning_for_Sentinel-12_Imagery_CVPRW_2023_paper.html": LinkInfo("cvf"),
    "https://openaccess.thecvf.com/content/CVPR2023/html/Mall_Change-Aware_Sampling_and_Contrastive_Learning_for_Satellite_Images_CVPR_2023_paper.html": LinkInfo("cvf"),
    "https://openreview.net/pdf?id=5oEVdOd6TV": LinkInfo("openreview"),
    "https://openreview.net/pdf?id=qWSk62REeK": LinkInfo("openreview"),
    "https://ieeexplore.ieee.org/abstract/document/10282433": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/10378718": LinkInfo("ieee"),
    "https://openreview.net/pdf?id=w9tc699w3Z": LinkInfo("openreview"),
    "https://www.sciencedirect.com/science/article/pii/S1569843222003181": LinkInfo("sciencedirect"),
    "https://openaccess.thecvf.com/content_cvpr_2018/html/Christie_Functional_Map_of_CVPR_2018_paper.html": LinkInfo("cvf"),
    "https://ieeexplore.ieee.org/abstract/document/9552024": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/9393553": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/document/10056343": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/10126079": LinkInfo("ieee"),
    "http://ch.whu.edu.cn/cn/article/doi/10.13203/j.whugis20230341?viewType=HTML":
        LinkInfo("doi", doi="10.13203/j.whugis20230341"),
    "http://ch.whu.edu.cn/article/id/5e67ed6a-aae5-4ec0-ad1b-f2aba89f4617": LinkInfo("other"),
    "https://ieeexplore.ieee.org/abstract/document/10254282": LinkInfo("ieee"),
    "https://ieeexplore.ieee.org/abstract/document/10282966": LinkInfo("ieee"),
    "https://www.sciencedirect.com/science/article/pii/S0034425723004765": LinkInfo("sciencedirect"),
    "https://www.ygxb.ac.cn/zh/article/doi/10.11834/jrs.20233313/": LinkInfo("doi", doi="10.11834/jrs.20233313"),
}


def list_links():
    rows = parse(embedded_list_text()).rows
    return list(dict.fromkeys(r.paper_url for r in rows if r.paper_url))


def test_the_tables_cover_every_paper_link_of_the_list():
    arxiv_links = [u for u in list_links() if "arxiv.org" in u]
    assert len(arxiv_links) == len(ARXIV_IDS)
    assert set(list_links()) - set(arxiv_links) == set(OTHER_LINKS)


@pytest.mark.parametrize("url", [u for u in list_links() if "arxiv.org" in u])
def test_arxiv_links_of_the_list(url):
    info = read_link(url)
    assert info.kind == "arxiv" and info.doi is None
    assert info.arxiv_id in ARXIV_IDS and info.arxiv_id in url


@pytest.mark.parametrize("url,expected", OTHER_LINKS.items())
def test_other_links_of_the_list(url, expected):
    assert read_link(url) == expected


@pytest.mark.parametrize("text,expected", [
    ("2312.10115", "2312.10115"),
    ("2312.10115v2", "2312.10115"),
    ("arXiv:2104.12255v1", "2104.12255"),
    ("https://arxiv.org/pdf/2311.00566.pdf", "2311.00566"),
    ("https://arxiv.org/html/2401.04614v2", "2401.04614"),
    ("astro-ph/0601001", "astro-ph/0601001"),
    ("https://arxiv.org/abs/astro-ph/0601001v1", "astro-ph/0601001"),
    ("math.GT/0309136", "math.GT/0309136"),
    ("10.48550/arXiv.2312.10115", "2312.10115"),
    ("2312.\u200b10115", "2312.10115"),  # a zero-width space pasted into the id
    ("not an id", None),
    ("12345.6789", None),
])
def test_arxiv_ids(text, expected):
    assert normalize_arxiv_id(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("10.1109/TGRS.2021.3115569", "10.1109/tgrs.2021.3115569"),
    ("https://doi.org/10.1109/TGRS.2021.3115569", "10.1109/tgrs.2021.3115569"),
    ("doi:10.3390/rs14225675.", "10.3390/rs14225675"),
    ("https://doi.org/10.1000/a%3Fb", "10.1000/a"),  # an encoded query mark ends a DOI in a URL
    ("no doi here", None),
])
def test_dois(text, expected):
    assert normalize_doi(text) == expected


def test_arxiv_datacite_dois_are_never_publication_dois():
    assert is_arxiv_doi("10.48550/arXiv.2312.10115".lower())
    assert publication_doi("10.48550/arXiv.2312.10115") is None
    assert publication_doi("10.1109/CVPR52733.2024.02613") == "10.1109/cvpr52733.2024.02613"
    assert read_link("https://doi.org/10.48550/arXiv.2312.10115") == LinkInfo("arxiv", arxiv_id="2312.10115")


@pytest.mark.parametrize("url,doi", [
    ("https://www.mdpi.com/2072-4292/15/13/3232", "10.3390/rs15133232"),
    ("https://www.mdpi.com/1424-8220/23/1/1", "10.3390/s23010001"),
    ("https://www.mdpi.com/2072-4292/14/22", None),
])
def test_mdpi_article_urls(url, doi):
    assert read_link(url).doi == doi


@pytest.mark.parametrize("url,expected", [
    ("https://ArXiv.org/abs/2101.00001", LinkInfo("arxiv", arxiv_id="2101.00001")),  # host in capitals
    ("https://arxiv.org:443/abs/2101.00001", LinkInfo("arxiv", arxiv_id="2101.00001")),  # a port
    ("https://me@doi.org/10.1109/X.1", LinkInfo("doi", doi="10.1109/x.1")),  # a user
    ("https://doi.org/10.1109/X.1?from=list#top", LinkInfo("doi", doi="10.1109/x.1")),
    ("https://doi.org/10.1109/\tX.1", LinkInfo("doi", doi="10.1109/x.1")),  # urlsplit drops the tab
    ("HTTPS://www.mdpi.com/2072-4292/14/22/5675", LinkInfo("mdpi", doi="10.3390/rs14225675")),
    ("https://arxiv.org", LinkInfo("arxiv")),
    ("https://exämple.org/article/doi/10.1234/x", LinkInfo("doi", doi="10.1234/x")),
    ("https://a.org\\doi.org/10.1234/x", LinkInfo("other")),
    ("https://ieeexplore.ieee.org/document/1?x=/doi/10.1/y", LinkInfo("ieee")),  # the query is no path
])
def test_links_read_with_or_without_urlsplit_alike(url, expected):
    """Plain http(s) URLs are read without urlsplit; the others with it, and both the same way."""
    from urllib.parse import urlsplit

    assert read_link(url) == expected
    parts = urlsplit(url)
    assert read_link(f"https://{parts.hostname}{parts.path}") == expected or parts.hostname is None
