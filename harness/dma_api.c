// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA-API entries into the deferred attach: drivers/iommu/dma-iommu.c
 * calls iommu_deferred_attach() from __iommu_dma_map() (single and page;
 * coherent from the atomic pool), iommu_dma_map_sg() (sg) and
 * __iommu_dma_alloc_noncontiguous() (noncontig; coherent when it may
 * sleep), in 6.12 and 7.3 alike; 7.3 adds dma_iova_try_alloc() (iova: the
 * IOVA-link API, which attaches the domain the group has, not the default
 * domain the others pass). A scenario's first map goes through the entry
 * its api= names, one page, and is undone the same way.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "harness.h"

const char * const hr_api_names[] = {
	[HR_API_SINGLE] = "single",		/* dma_map_single() */
	[HR_API_PAGE] = "page",			/* dma_map_page() */
	[HR_API_SG] = "sg",			/* dma_map_sgtable() */
	[HR_API_COHERENT] = "coherent",		/* dma_alloc_coherent() */
	[HR_API_NONCONTIG] = "noncontig",	/* dma_alloc_noncontiguous() */
	[HR_API_IOVA] = "iova",			/* dma_iova_try_alloc() and link */
	NULL
};

/**
 * hr_api_map - a one-page map of @dev through the entry @m->api names
 * @dev: a device bound to the harness's driver
 * @m: the api, and the page in @m->buf (coherent and noncontig allocate
 *	their own)
 * @atomic: the caller may not sleep (an atomic pool allocation for
 *	coherent; noncontig has none and is refused)
 *
 * Return: 0 with @m->dma and @m->cpu set, or the map's error.
 */
int hr_api_map(struct device *dev, struct hr_mapping *m, bool atomic)
{
	enum dma_data_direction dir = DMA_BIDIRECTIONAL;
	int ret;

	m->cpu = m->buf;
	switch (m->api) {
	case HR_API_SINGLE:
		m->dma = dma_map_single(dev, m->buf, PAGE_SIZE, dir);
		break;
	case HR_API_PAGE:
		m->dma = dma_map_page(dev, virt_to_page(m->buf), offset_in_page(m->buf),
				      PAGE_SIZE, dir);
		break;
	case HR_API_SG:
		sg_init_one(&m->sg, m->buf, PAGE_SIZE);
		m->sgt.sgl = &m->sg;
		m->sgt.orig_nents = 1;
		m->sgt.nents = 0;
		ret = dma_map_sgtable(dev, &m->sgt, dir, 0);
		if (ret)
			return ret;
		m->dma = sg_dma_address(m->sgt.sgl);
		return 0;
	case HR_API_COHERENT:
		m->cpu = dma_alloc_coherent(dev, PAGE_SIZE, &m->dma,
					    atomic ? GFP_ATOMIC : GFP_KERNEL);
		return m->cpu ? 0 : -ENOMEM;
	case HR_API_NONCONTIG:
		if (atomic)
			return -EOPNOTSUPP;
		m->nc = dma_alloc_noncontiguous(dev, PAGE_SIZE, dir, GFP_KERNEL, 0);
		if (!m->nc)
			return -ENOMEM;
		/* the API's own CPU mapping of what it allocated */
		m->cpu = dma_vmap_noncontiguous(dev, PAGE_SIZE, m->nc);
		if (!m->cpu) {
			dma_free_noncontiguous(dev, PAGE_SIZE, m->nc, dir);
			return -ENOMEM;
		}
		m->dma = sg_dma_address(m->nc->sgl);
		return 0;
#ifdef HR_HAVE_DMA_IOVA
	case HR_API_IOVA:
		/* false: no IOVA space, or the deferred attach failed */
		if (!dma_iova_try_alloc(dev, &m->iova, virt_to_phys(m->buf), PAGE_SIZE))
			return -ENOMEM;
		ret = dma_iova_link(dev, &m->iova, virt_to_phys(m->buf), 0, PAGE_SIZE, dir, 0);
		if (ret) {
			dma_iova_destroy(dev, &m->iova, 0, dir, 0);
			return ret;
		}
		ret = dma_iova_sync(dev, &m->iova, 0, PAGE_SIZE);
		if (ret) {
			dma_iova_destroy(dev, &m->iova, PAGE_SIZE, dir, 0);
			return ret;
		}
		m->dma = m->iova.addr;
		return 0;
#endif
	default:
		return -EINVAL;
	}
	return dma_mapping_error(dev, m->dma);
}

/* Undo a successful hr_api_map(). */
void hr_api_unmap(struct device *dev, struct hr_mapping *m)
{
	enum dma_data_direction dir = DMA_BIDIRECTIONAL;

	switch (m->api) {
	case HR_API_SINGLE:
		dma_unmap_single(dev, m->dma, PAGE_SIZE, dir);
		break;
	case HR_API_PAGE:
		dma_unmap_page(dev, m->dma, PAGE_SIZE, dir);
		break;
	case HR_API_SG:
		dma_unmap_sgtable(dev, &m->sgt, dir, 0);
		break;
	case HR_API_COHERENT:
		dma_free_coherent(dev, PAGE_SIZE, m->cpu, m->dma);
		break;
	case HR_API_NONCONTIG:
		dma_vunmap_noncontiguous(dev, m->cpu);
		dma_free_noncontiguous(dev, PAGE_SIZE, m->nc, dir);
		break;
#ifdef HR_HAVE_DMA_IOVA
	case HR_API_IOVA:
		dma_iova_destroy(dev, &m->iova, PAGE_SIZE, dir, 0);
		break;
#endif
	default:
		break;
	}
}

/**
 * hr_api_sync - hand @m's page to the device, or back to the CPU, the way
 * its entry asks a driver to (coherent memory and the IOVA API, linked and
 * synced at map time, need nothing)
 * @dev: the device @m maps for
 * @m: a successful hr_api_map()
 * @for_device: before the device's access, else after it
 */
void hr_api_sync(struct device *dev, struct hr_mapping *m, bool for_device)
{
	enum dma_data_direction dir = DMA_BIDIRECTIONAL;

	switch (m->api) {
	case HR_API_SINGLE:
	case HR_API_PAGE:
		if (for_device)
			dma_sync_single_for_device(dev, m->dma, PAGE_SIZE, dir);
		else
			dma_sync_single_for_cpu(dev, m->dma, PAGE_SIZE, dir);
		break;
	case HR_API_SG:
		if (for_device)
			dma_sync_sgtable_for_device(dev, &m->sgt, dir);
		else
			dma_sync_sgtable_for_cpu(dev, &m->sgt, dir);
		break;
	case HR_API_NONCONTIG:
		/* the vmap of what the entry allocated, as its documentation asks */
		if (for_device) {
			flush_kernel_vmap_range(m->cpu, PAGE_SIZE);
			dma_sync_sgtable_for_device(dev, m->nc, dir);
		} else {
			dma_sync_sgtable_for_cpu(dev, m->nc, dir);
			invalidate_kernel_vmap_range(m->cpu, PAGE_SIZE);
		}
		break;
	default:
		break;
	}
}

/* The physical address @m->dma must translate to. */
phys_addr_t hr_api_phys(const struct hr_mapping *m)
{
	if (is_vmalloc_addr(m->cpu))
		return page_to_phys(vmalloc_to_page(m->cpu));
	return virt_to_phys(m->cpu);
}

/*
 * Why the run cannot use its api=, or NULL: noncontig allocates and may
 * sleep, so no atomic context; iova needs 7.x.
 */
const char *hr_api_unsupported(const struct hr_run *run)
{
	enum hr_api api = hr_api_of(run);

	if (api == HR_API_NONCONTIG && hr_has(run, "ctx"))
		return "api=noncontig allocates and may sleep: no first map in atomic context";
#ifndef HR_HAVE_DMA_IOVA
	if (api == HR_API_IOVA)
		return "api=iova: this kernel has no IOVA-link API (dma_iova_try_alloc)";
#endif
	return NULL;
}

/* The run's api= (single where the scenario has no such parameter). */
enum hr_api hr_api_of(const struct hr_run *run)
{
	return hr_has(run, "api") ? hr_get(run, "api") : HR_API_SINGLE;
}
