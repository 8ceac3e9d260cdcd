// SPDX-License-Identifier: GPL-2.0
/*
 * fake_iommu paging domains: a real translation table (IOVA page number ->
 * PFN in an xarray), so iova_to_phys answers truthfully and every mapping
 * can be accounted for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/dma-mapping.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "client.h"
#include "domain.h"
#include "knobs.h"

/* Protects fi_domains: allocation and free only. */
static DEFINE_MUTEX(fi_domains_lock);
static LIST_HEAD(fi_domains);

int fi_map_pages(struct iommu_domain *domain, unsigned long iova,
		 phys_addr_t paddr, size_t pgsize, size_t pgcount,
		 int prot, gfp_t gfp, size_t *mapped)
{
	struct fi_domain *fd = to_fi_domain(domain);
	struct device *dev = fd->owner ? &fd->owner->pdev->dev : NULL;
	unsigned long flags;
	size_t i;
	void *old;

	/* dev->driver is read racily: a count, not a lock-protected state. */
	if (dev && (domain->type & __IOMMU_DOMAIN_DMA_API) && !READ_ONCE(dev->driver))
		fi_count(fi_counts_of(fd->owner), FI_MAP_UNBOUND);
	if (!atomic_read(&fd->users)) {
		fi_count(fi_counts_of(fd->owner), FI_MAP_INTO_DETACHED);
		if (dev)
			fi_warn(dev, "map at %#lx into a domain no device is attached to\n",
				iova);
	}
	for (i = 0; i < pgcount; i++) {
		unsigned long idx = (iova >> PAGE_SHIFT) + i;

		spin_lock_irqsave(&fd->lock, flags);
		old = xa_store(&fd->table, idx, xa_mk_value(PHYS_PFN(paddr) + i), GFP_ATOMIC);
		spin_unlock_irqrestore(&fd->lock, flags);
		if (xa_is_err(old)) {
			*mapped = i * pgsize;
			return xa_err(old);
		}
		if (old) {
			fi_count(fi_counts_of(fd->owner), FI_MAP_OVER_MAPPED);
			if (dev)
				fi_warn(dev, "map over a live mapping at %#lx\n",
					idx << PAGE_SHIFT);
		}
		fi_count(fi_counts_of(fd->owner), FI_MAPPED_PAGES);
	}
	*mapped = pgcount * pgsize;
	return 0;
}

size_t fi_unmap_pages(struct iommu_domain *domain, unsigned long iova,
		      size_t pgsize, size_t pgcount,
		      struct iommu_iotlb_gather *gather)
{
	struct fi_domain *fd = to_fi_domain(domain);
	unsigned long flags;
	size_t i;
	void *old;

	for (i = 0; i < pgcount; i++) {
		unsigned long idx = (iova >> PAGE_SHIFT) + i;

		spin_lock_irqsave(&fd->lock, flags);
		old = xa_erase(&fd->table, idx);
		spin_unlock_irqrestore(&fd->lock, flags);
		if (!old) {
			fi_count(fi_counts_of(fd->owner), FI_UNMAP_UNMAPPED);
			if (fd->owner)
				fi_warn(&fd->owner->pdev->dev, "unmap of unmapped %#lx\n",
					idx << PAGE_SHIFT);
		}
		fi_count(fi_counts_of(fd->owner), FI_UNMAPPED_PAGES);
	}
	/* All of it: the core WARNs on a short unmap; we counted instead. */
	return pgcount * pgsize;
}

phys_addr_t fi_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	void *entry = xa_load(&to_fi_domain(domain)->table, iova >> PAGE_SHIFT);

	if (!entry)
		return 0;
	return PFN_PHYS(xa_to_value(entry)) | (iova & ~PAGE_MASK);
}

void fi_domain_free(struct iommu_domain *domain)
{
	struct fi_domain *fd = to_fi_domain(domain);

	mutex_lock(&fi_domains_lock);
	list_del(&fd->node);
	mutex_unlock(&fi_domains_lock);
	xa_destroy(&fd->table);
	kfree(fd);
}

bool fi_domains_leaked(void)
{
	bool leaked;

	mutex_lock(&fi_domains_lock);
	leaked = !list_empty(&fi_domains);
	mutex_unlock(&fi_domains_lock);
	return leaked;
}

struct iommu_domain *fi_domain_alloc(struct device *dev, const struct iommu_domain_ops *ops)
{
	struct fi_domain *fd;

	fd = kzalloc(sizeof(*fd), GFP_KERNEL);
	if (!fd)
		return ERR_PTR(-ENOMEM);
	xa_init(&fd->table);
	spin_lock_init(&fd->lock);
	fd->owner = fi_client_of(dev);
	fd->domain.ops = ops;
	fd->domain.pgsize_bitmap = PAGE_SIZE;
	fd->domain.geometry.aperture_start = 0;
	fd->domain.geometry.aperture_end = DMA_BIT_MASK(48);
	fd->domain.geometry.force_aperture = true;
	mutex_lock(&fi_domains_lock);
	list_add_tail(&fd->node, &fi_domains);
	mutex_unlock(&fi_domains_lock);
	return &fd->domain;
}

unsigned long fi_domain_pages(struct iommu_domain *domain)
{
	struct fi_domain *fd;
	unsigned long idx, n = 0;
	void *entry;

	if (!fi_is_paging(domain))
		return 0;
	fd = to_fi_domain(domain);
	xa_for_each(&fd->table, idx, entry)
		n++;
	return n;
}
